import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { RUN_JOB_KEY_PREFIX } from './jobs.ts';
import { ACTIVE_RUN_STATUSES, columns, toRun, type Run } from './runs.ts';

// Recovery of runs whose worker stopped: heartbeats, finding stale runs, failing the unrecoverable.

/**
 * Refreshes the heartbeat of runs this process is working on, and returns those of them that were
 * cancelled meanwhile (a cancel that landed before the process listened for it still stops them).
 */
export async function touchRuns(db: Executor, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  // Rows another transaction is changing are skipped, not waited for: a heartbeat never blocks a write.
  const { rows } = await sql<{ id: string }>`
    with beat as (
      update runs set heartbeat_at = now()
      where id in (select id from runs where id = any(${[...ids]}::uuid[]) and status = 'running' order by id for no key update skip locked)
    )
    -- (a data-modifying WITH always runs to completion, read or not)
    select id from runs where id = any(${[...ids]}::uuid[]) and status = 'cancelled'
  `.execute(db);
  return rows.map((r) => r.id);
}

/** A run whose worker stopped sending heartbeats, with the state of its job (if it still has one). */
export interface StaleRun {
  run: Run;
  job: { lockedBy: string | null; attempts: number; maxAttempts: number } | null;
}

/** Running runs with a heartbeat older than `staleAfterMs`, and queued ones whose job is gone or spent. */
export async function findStaleRuns(db: Executor, staleAfterMs: number, limit = 100): Promise<StaleRun[]> {
  const rows = await db
    .selectFrom('runs')
    .leftJoin(sql<{ key: string; locked_by: string | null; attempts: number; max_attempts: number }>`graphile_worker.jobs`.as('jobs'), (join) =>
      join.on(sql`jobs.key`, '=', sql`${RUN_JOB_KEY_PREFIX} || runs.id`),
    )
    .select(columns)
    .select([sql<string | null>`jobs.locked_by`.as('job_locked_by'), sql<number | null>`jobs.attempts`.as('job_attempts'), sql<number | null>`jobs.max_attempts`.as('job_max_attempts'), sql<boolean>`jobs.key is not null`.as('has_job')])
    .where((eb) =>
      eb.or([
        eb.and([eb('runs.status', '=', 'running'), eb('runs.heartbeat_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterMs / 1000})`)]),
        // Queued with no job left to start it: gone, or failed for good (graphile keeps those, key and all).
        eb.and([
          eb('runs.status', '=', 'queued'),
          eb('runs.kind', '!=', 'delegation'),
          eb('runs.created_at', '<', sql<Date>`now() - make_interval(secs => ${staleAfterMs / 1000})`),
          sql<boolean>`(jobs.key is null or (jobs.attempts >= jobs.max_attempts and jobs.locked_by is null))`,
        ]),
      ]),
    )
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    run: toRun(r),
    job: r.has_job ? { lockedBy: r.job_locked_by, attempts: Number(r.job_attempts), maxAttempts: Number(r.job_max_attempts) } : null,
  }));
}

/** Marks a run failed whatever attempt holds it (recovery of a run nobody can finish any more). */
export async function failAbandonedRun(db: Executor, id: string, error: string): Promise<Run | undefined> {
  const row = await db
    .updateTable('runs')
    .set({ status: 'failed', error, finished_at: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', ACTIVE_RUN_STATUSES)
    .returning(columns)
    .executeTakeFirst();
  return row && toRun(row);
}
