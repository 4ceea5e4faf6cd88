import { sql, type RawBuilder } from 'kysely';
import type { JobHelpers, Task, TaskSpec } from 'graphile-worker';
import type { z } from 'zod';
import type { Executor } from '../db/database.ts';
import { observeJob } from '../observability/jobs.ts';

/**
 * A typed graphile-worker task: `<domain>__<verb>` name, a zod payload checked when the job is
 * enqueued and again when it runs, and a handler that must be safe to run twice (jobs are retried).
 */
export interface TaskDefinition<Deps, Schema extends z.ZodType = z.ZodType> {
  name: string;
  payload: Schema;
  /** Defaults applied to every job of this task (max attempts, queue, priority). */
  spec?: Pick<TaskSpec, 'maxAttempts' | 'queueName' | 'priority'>;
  /** Run on this crontab schedule too (e.g. `* * * * *`), once per tick across all workers. */
  cron?: string;
  run(payload: z.output<Schema>, deps: Deps, helpers: JobHelpers): Promise<void>;
}

export function defineTask<Deps, Schema extends z.ZodType>(
  definition: TaskDefinition<Deps, Schema>,
): TaskDefinition<Deps, Schema> {
  if (!/^[a-z][a-z0-9_]*__[a-z][a-z0-9_]*$/.test(definition.name)) {
    throw new Error(`task name "${definition.name}" must look like <domain>__<verb>`);
  }
  return definition;
}

export class InvalidJobPayloadError extends Error {
  override name = 'InvalidJobPayloadError';
}

function parsePayload<Schema extends z.ZodType>(task: { name: string; payload: Schema }, raw: unknown) {
  const result = task.payload.safeParse(raw);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
    throw new InvalidJobPayloadError(`invalid payload for ${task.name}: ${detail}`);
  }
  return result.data as z.output<Schema>;
}

type JobSpec = Pick<TaskSpec, 'runAt' | 'jobKey' | 'jobKeyMode' | 'maxAttempts' | 'priority' | 'queueName'>;

/**
 * The `graphile_worker.add_job(…)` call for a job, as an SQL expression yielding its id — for a
 * statement that writes a row and enqueues its job at once (see `addJob` for the usual way).
 */
export function jobCall<Schema extends z.ZodType>(
  task: Pick<TaskDefinition<never, Schema>, 'name' | 'payload' | 'spec'>,
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
  task: Pick<TaskDefinition<never, Schema>, 'name' | 'payload' | 'spec'>,
  payload: z.input<Schema>,
  spec: JobSpec = {},
): Promise<{ id: string }> {
  const { rows } = await sql<{ id: string }>`select ${jobCall(task, payload, spec)} as id`.execute(executor);
  return { id: rows[0]!.id };
}

/** Turns task definitions into graphile-worker's task list, validating each payload before it runs. */
export function toTaskList<Deps>(tasks: readonly TaskDefinition<Deps>[], deps: Deps): Record<string, Task> {
  const list: Record<string, Task> = {};
  for (const task of tasks) {
    if (list[task.name]) throw new Error(`duplicate task name ${task.name}`);
    list[task.name] = async (raw, helpers) => observeJob(task.name, raw, helpers.job, () => task.run(parsePayload(task, raw), deps, helpers));
  }
  return list;
}
