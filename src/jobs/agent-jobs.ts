import { z } from 'zod';

/**
 * Jobs of the agent runtime, declared apart from their handlers so services can enqueue them
 * without importing the runtime. Handlers are attached in `task-list.ts`.
 */
export const runTurnJob = {
  name: 'agents__run_turn',
  // `traceparent`: the W3C trace context of the request that enqueued it (when tracing is on).
  payload: z.object({ runId: z.uuid(), traceparent: z.string().max(128).optional() }),
  // A crashed or restarted worker's job is retried; the run resumes with the same reply message.
  spec: { maxAttempts: 4 },
} as const;

/** Turns of one teammate in one thread run one after another (the QUEUE busy policy). */
export const turnQueue = (threadId: string, teammateId: string) => `turns:${threadId}:${teammateId}`;

/** The job of a run, so a sweeper can find it and a queued run's job can be found again. */
export const RUN_JOB_KEY_PREFIX = 'run:';
export const runJobKey = (runId: string) => `${RUN_JOB_KEY_PREFIX}${runId}`;
