import type { JobHelpers, Task } from 'graphile-worker';
import type { z } from 'zod';
import { parsePayload, type JobDeclaration } from '../repositories/jobs.ts';
import { observeJob } from '../observability/jobs.ts';

/**
 * A typed graphile-worker task: `<domain>__<verb>` name, a zod payload checked when the job is
 * enqueued and again when it runs, and a handler that must be safe to run twice (jobs are retried).
 * Enqueueing (`addJob`, `jobCall`) is in `repositories/jobs.ts`; services enqueue through
 * `AppServices.jobs` (`jobs/queue.ts`).
 */
export interface TaskDefinition<Deps, Schema extends z.ZodType = z.ZodType> extends JobDeclaration<Schema> {
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

/** Turns task definitions into graphile-worker's task list, validating each payload before it runs. */
export function toTaskList<Deps>(tasks: readonly TaskDefinition<Deps>[], deps: Deps): Record<string, Task> {
  const list: Record<string, Task> = {};
  for (const task of tasks) {
    if (list[task.name]) throw new Error(`duplicate task name ${task.name}`);
    list[task.name] = async (raw, helpers) => observeJob(task.name, raw, helpers.job, () => task.run(parsePayload(task, raw), deps, helpers));
  }
  return list;
}
