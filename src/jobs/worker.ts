import { parseCronItems, run, type Runner } from 'graphile-worker';
import { graphileLogger } from '../db/graphile-logger.ts';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { toTaskList, type TaskDefinition } from './define-task.ts';

export interface WorkerOptions<Deps> {
  pool: pg.Pool;
  tasks: readonly TaskDefinition<Deps>[];
  deps: Deps;
  concurrency: number;
  logger: Logger;
  /** How long in-flight jobs get, after stop() is called, before their AbortSignal fires. */
  gracefulShutdownMs: number;
  /** Jobs fetched (and locked) per query and handed out locally; 1 or less fetches one at a time. */
  localQueueSize: number;
}

/**
 * Starts the graphile-worker runner on the shared pool. Signals are ours to handle (graceful
 * shutdown lives in one place), so the runner installs none.
 */
export async function startWorker<Deps>(options: WorkerOptions<Deps>): Promise<Runner> {
  const logger = options.logger.child({ component: 'worker' });
  const runner = await run({
    pgPool: options.pool,
    taskList: toTaskList(options.tasks, options.deps),
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    // Recurring work is declared on the tasks (no crontab file is read); graphile-worker makes sure
    // each tick runs once however many workers there are.
    parsedCronItems: parseCronItems(
      options.tasks
        .filter((t) => t.cron)
        .map((t) => ({ task: t.name, identifier: t.name, match: t.cron!, options: { backfillPeriod: 0, maxAttempts: t.spec?.maxAttempts ?? 3 } })),
    ),
    logger: graphileLogger(logger),
    gracefulShutdownAbortTimeout: options.gracefulShutdownMs,
    preset: {
      worker: {
        // Completions made in the same tick go to the database in one query (tasks are idempotent,
        // so the tiny window in which a crash could re-run a completed job is harmless).
        completeJobBatchDelay: 0,
        ...(options.localQueueSize > 1 ? { localQueue: { size: options.localQueueSize } } : {}),
      },
    },
  });
  logger.info({ concurrency: options.concurrency, tasks: options.tasks.map((t) => t.name) }, 'worker started');
  return runner;
}
