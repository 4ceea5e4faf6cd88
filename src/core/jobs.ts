import type { RawBuilder } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { JobSpec } from '../repositories/jobs.ts';

/**
 * The payload of every job services enqueue, by task name. Each task's zod schema and handler are
 * in `jobs/tasks/<name>.ts` (its schema `satisfies` the entry here).
 */
export interface JobPayloads {
  agents__run_turn: { runId: string; traceparent?: string };
  goals__advance: { goalId: string };
  files__ingest: { fileId: string };
  files__expire_upload: { fileId: string };
  files__purge: { fileId: string };
  tool_approvals__expire: { approvalId: string };
  /**
   * Notifications of an event (`source` + `id`: a message, goal or tool approval; `flush`: a
   * notification whose coalesced messages wait to be pushed). Without `userId` the job fans out one
   * job per recipient; with it, it notifies that person.
   */
  notifications__send: { source: 'message' | 'goal' | 'approval' | 'flush'; id: string; userId?: string; mentions?: string[] };
}

export type JobName = keyof JobPayloads;

/**
 * Enqueues background jobs: the payload is checked against the task's schema and the task's job
 * defaults (max attempts, queue) apply. Implemented by `jobs/queue.ts` over the task list.
 */
export interface JobQueue {
  /** Enqueues on `executor`: pass the transaction that writes the job's row (the job exists iff it commits). */
  add<N extends JobName>(executor: Executor, name: N, payload: JobPayloads[N], spec?: JobSpec): Promise<{ id: string }>;
  /** The `graphile_worker.add_job(…)` call as an SQL expression yielding the job id, for a statement that writes a row too. */
  call<N extends JobName>(name: N, payload: JobPayloads[N], spec?: JobSpec): RawBuilder<string>;
}
