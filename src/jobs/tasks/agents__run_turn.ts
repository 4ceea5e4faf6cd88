import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import type { JobPayloads } from '../../core/jobs.ts';
import { defineTask } from '../define-task.ts';

// `traceparent`: the W3C trace context of the request that enqueued it (when tracing is on).
const payload = z.object({ runId: z.uuid(), traceparent: z.string().max(128).optional() }) satisfies z.ZodType<JobPayloads['agents__run_turn']>;

/**
 * One run of a teammate (a reply, a goal's plan, task or report), executed by the agent runtime.
 * Enqueued with the run's row (`services/runs.ts`, `services/goals.ts`) on the thread and
 * teammate's queue (`turnQueue`), keyed by `runJobKey`.
 */
export const runTurnTask = defineTask<AppServices, typeof payload>({
  name: 'agents__run_turn',
  payload,
  // A crashed or restarted worker's job is retried; the run resumes with the same reply message.
  spec: { maxAttempts: 4 },
  run: ({ runId }, services, helpers) =>
    services.agents.execute(runId, {
      workerId: helpers.job.locked_by,
      attempts: helpers.job.attempts,
      maxAttempts: helpers.job.max_attempts,
      abortSignal: helpers.abortSignal,
    }),
});
