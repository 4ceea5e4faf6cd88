import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { Gauge } from 'prom-client';
import { registry } from './metrics.ts';

/** What a running app lets the scrape read: its pool, its database and its open sockets. */
export interface ScrapeSource {
  pool: pg.Pool;
  db: Kysely<never>;
  /** Open graphql-ws connections (API processes). */
  openWebSockets?: () => number;
  /** Called when a scrape-time query fails (logged; the scrape goes on without those values). */
  onError(error: unknown, what: string): void;
}

const sources = new Set<ScrapeSource>();

/** Adds a source read at every scrape; returns its removal. (Several apps can share a test process.) */
export function addScrapeSource(source: ScrapeSource): () => void {
  sources.add(source);
  return () => sources.delete(source);
}

/** The database every source of this process shares (queue and runs are the same for every process). */
function database(): ScrapeSource | undefined {
  return sources.values().next().value;
}

new Gauge({
  name: 'tmates_db_pool_connections',
  help: 'Connections of this process\'s PostgreSQL pool, by state (in_use, idle).',
  labelNames: ['state'] as const,
  registers: [registry],
  collect() {
    let total = 0;
    let idle = 0;
    for (const { pool } of sources) {
      total += pool.totalCount;
      idle += pool.idleCount;
    }
    this.set({ state: 'in_use' }, total - idle);
    this.set({ state: 'idle' }, idle);
  },
});

new Gauge({
  name: 'tmates_db_pool_max_connections',
  help: 'Size limit of this process\'s PostgreSQL pool (DATABASE_POOL_SIZE).',
  registers: [registry],
  collect() {
    let max = 0;
    for (const { pool } of sources) max += pool.options.max ?? 10;
    this.set(max);
  },
});

new Gauge({
  name: 'tmates_db_pool_waiting_clients',
  help: 'Queries of this process waiting for a free pool connection.',
  registers: [registry],
  collect() {
    let waiting = 0;
    for (const { pool } of sources) waiting += pool.waitingCount;
    this.set(waiting);
  },
});

new Gauge({
  name: 'tmates_websockets_open',
  help: 'graphql-ws connections open to this process.',
  registers: [registry],
  collect() {
    let open = 0;
    for (const source of sources) open += source.openWebSockets?.() ?? 0;
    this.set(open);
  },
});

interface QueueRow {
  task: string;
  ready: string;
  scheduled: string;
  running: string;
  failed: string;
  oldest: number | null;
}

let queueRead: Promise<QueueRow[] | undefined> | undefined;

/** One query per scrape for both queue gauges (prom-client runs their collects side by side). */
function readQueue(): Promise<QueueRow[] | undefined> {
  if (queueRead) return queueRead;
  const source = database();
  const rows = source
    ? sql<QueueRow>`
        select task_identifier as task,
          count(*) filter (where locked_at is null and attempts < max_attempts and run_at <= now()) as ready,
          count(*) filter (where locked_at is null and attempts < max_attempts and run_at > now()) as scheduled,
          count(*) filter (where locked_at is not null) as running,
          count(*) filter (where locked_at is null and attempts >= max_attempts) as failed,
          extract(epoch from now() - min(run_at) filter (where locked_at is null and attempts < max_attempts and run_at <= now()))::float8 as oldest
        from graphile_worker.jobs
        group by task_identifier`
        .execute(source.db)
        .then((result) => result.rows)
        .catch((error: unknown) => {
          source.onError(error, 'job queue');
          return undefined;
        })
    : Promise.resolve(undefined);
  queueRead = rows.finally(() => (queueRead = undefined));
  return queueRead;
}

new Gauge({
  name: 'tmates_job_queue_jobs',
  help: 'Jobs in the graphile-worker queue, by task and state: ready (due, waiting for a worker), scheduled (due later), running (locked by a worker), failed (out of attempts). Whole installation: every process reports the same.',
  labelNames: ['task', 'state'] as const,
  registers: [registry],
  async collect() {
    const rows = await readQueue();
    this.reset();
    for (const row of rows ?? []) {
      for (const state of ['ready', 'scheduled', 'running', 'failed'] as const) this.set({ task: row.task, state }, Number(row[state]));
    }
  },
});

new Gauge({
  name: 'tmates_job_queue_oldest_ready_seconds',
  help: 'Age in seconds of the oldest job ready to run and not yet taken, by task (0: none waiting). Whole installation: every process reports the same.',
  labelNames: ['task'] as const,
  registers: [registry],
  async collect() {
    const rows = await readQueue();
    this.reset();
    for (const row of rows ?? []) this.set({ task: row.task }, row.oldest ?? 0);
  },
});

new Gauge({
  name: 'tmates_runs',
  help: 'Runs not yet ended, by status (queued, running). Whole installation: every process reports the same.',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const source = database();
    if (!source) return;
    try {
      const { rows } = await sql<{ status: string; count: string }>`
        select status, count(*) as count from runs where status in ('queued', 'running') group by status`.execute(source.db);
      this.set({ status: 'queued' }, 0);
      this.set({ status: 'running' }, 0);
      for (const row of rows) this.set({ status: row.status }, Number(row.count));
    } catch (error) {
      source.onError(error, 'runs');
    }
  },
});
