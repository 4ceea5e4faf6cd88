import { sql, type RawBuilder } from 'kysely';
import type { TaskSpec } from 'graphile-worker';
import type { z } from 'zod';
import type { Executor } from '../db/database.ts';

/**
 * What enqueueing a job needs to know about its task: the `<domain>__<verb>` name, the zod payload
 * (checked when the job is enqueued and again when it runs) and the defaults of its jobs.
 * `jobs/define-task.ts` adds the handler; `jobs/tasks/<name>.ts` holds one task each.
 */
export interface JobDeclaration<Schema extends z.ZodType = z.ZodType> {
  name: string;
  payload: Schema;
  /** Defaults applied to every job of this task (max attempts, queue, priority). */
  spec?: Pick<TaskSpec, 'maxAttempts' | 'queueName' | 'priority'>;
}

export class InvalidJobPayloadError extends Error {
  override name = 'InvalidJobPayloadError';
}

export function parsePayload<Schema extends z.ZodType>(task: { name: string; payload: Schema }, raw: unknown) {
  const result = task.payload.safeParse(raw);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
    throw new InvalidJobPayloadError(`invalid payload for ${task.name}: ${detail}`);
  }
  return result.data as z.output<Schema>;
}

export type JobSpec = Pick<TaskSpec, 'runAt' | 'jobKey' | 'jobKeyMode' | 'maxAttempts' | 'priority' | 'queueName'>;

/**
 * The `graphile_worker.add_job(…)` call for a job, as an SQL expression yielding its id — for a
 * statement that writes a row and enqueues its job at once (see `addJob` for the usual way).
 */
export function jobCall<Schema extends z.ZodType>(
  task: JobDeclaration<Schema>,
  payload: z.input<Schema>,
  spec: JobSpec = {},
): RawBuilder<string> {
  const checked = parsePayload(task, payload);
  const options = { ...task.spec, ...spec };
  return sql<string>`(graphile_worker.add_job(
      identifier => ${task.name}::text,
      payload => ${JSON.stringify(checked)}::json,
      queue_name => ${options.queueName ?? null}::text,
      run_at => ${options.runAt?.toISOString() ?? null}::timestamptz,
      max_attempts => ${options.maxAttempts ?? null}::int,
      job_key => ${options.jobKey ?? null}::text,
      priority => ${options.priority ?? null}::int,
      job_key_mode => ${options.jobKeyMode ?? null}::text
    )).id::text`;
}

/**
 * Enqueues a job through `graphile_worker.add_job` on the given executor — pass the transaction
 * that writes the row the job is for, so the job exists if and only if that write commits.
 */
export async function addJob<Schema extends z.ZodType>(
  executor: Executor,
  task: JobDeclaration<Schema>,
  payload: z.input<Schema>,
  spec: JobSpec = {},
): Promise<{ id: string }> {
  const { rows } = await sql<{ id: string }>`select ${jobCall(task, payload, spec)} as id`.execute(executor);
  return { id: rows[0]!.id };
}

/** Releases the jobs locked by workers that stopped (graphile-worker retries them). */
export async function forceUnlockWorkers(executor: Executor, workerIds: string[]): Promise<void> {
  await sql`select graphile_worker.force_unlock_workers(${workerIds}::text[])`.execute(executor);
}

/** Turns of one teammate in one thread run one after another (the QUEUE busy policy). */
export const turnQueue = (threadId: string, teammateId: string) => `turns:${threadId}:${teammateId}`;

/** The job of a run, so a sweeper can find it and a queued run's job can be found again. */
export const RUN_JOB_KEY_PREFIX = 'run:';
/** The job key of a tool approval's expiry (`tool_approvals__expire`, at its `expiresAt`). */
export const expireApprovalJobKey = (approvalId: string) => `approval-expiry:${approvalId}`;

export const runJobKey = (runId: string) => `${RUN_JOB_KEY_PREFIX}${runId}`;

/** One queued advance per goal is enough: a new request replaces a waiting one. */
export const advanceJobKey = (goalId: string) => `goal:${goalId}`;
