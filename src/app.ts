import type { Runner } from 'graphile-worker';
import { sql } from 'kysely';
import type pg from 'pg';
import { resolveSecret } from './auth/secret.ts';
import { createSupabaseVerifier } from './auth/supabase.ts';
import type { Config } from './config/config.ts';
import { createDatabase, createPool, describeDatabaseUrl, type Database } from './db/database.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres.ts';
import { migrateToLatest, pendingMigrations } from './db/migrator.ts';
import { seedDatabase } from './services/seed.ts';
import type { TaskDefinition } from './jobs/define-task.ts';
import { createJobQueue } from './jobs/queue.ts';
import { tasks as defaultTasks } from './jobs/task-list.ts';
import { startWorker } from './jobs/worker.ts';
import type { Logger } from './logger.ts';
import type { AppServices } from './core/context.ts';
import { credentialsOf } from './server/create-context.ts';
import { authenticate } from './services/viewer.ts';
import { GraphQLError } from 'graphql';
import { startHttpServer, type HttpServer } from './server/http-server.ts';
import { createTmatesYoga, type Readiness } from './server/yoga.ts';
import { RateLimits } from './server/rate-limits.ts';
import { SocketGuard } from './server/socket-guard.ts';
import { DatabaseHealth } from './db/health.ts';
import { superviseEmbeddedPostgres } from './db/embedded-supervisor.ts';
import { createFileStorage } from './storage/create-storage.ts';
import { version } from './version.ts';
import { EventBus } from './realtime/event-bus.ts';
import { AgentRuntime } from './agents/runtime.ts';
import { createProvider } from './models/providers/create-provider.ts';
import { PostgresTransport, type Transport } from './realtime/transport.ts';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { instrumentProvider } from './models/providers/instrumented-provider.ts';
import { startObservability } from './observability/setup.ts';

/** LISTEN/NOTIFY on the application database by default; Redis pub/sub when REDIS_URL is set. */
async function createTransport(config: Config, databaseUrl: string, pool: pg.Pool, logger: Logger): Promise<Transport> {
  const log = logger.child({ component: 'event-bus' });
  if (config.redisUrl) {
    const { RedisTransport } = await import('./realtime/redis-transport.ts');
    return new RedisTransport({ url: config.redisUrl, logger: log });
  }
  return new PostgresTransport({ connectionString: databaseUrl, pool, logger: log });
}

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** Serve the GraphQL API over HTTP and WebSocket. */
  http: boolean;
  /** Run the graphile-worker runner in this process. */
  worker: boolean;
  /** Apply migrations before starting (default true). */
  migrate?: boolean;
  /** An embedded PostgreSQL already being started (lets the CLI overlap it with module loading). */
  embedded?: Promise<EmbeddedPostgres>;
  /** Called with the SQL of every query the app runs through Kysely (tests count queries). */
  onQuery?: (sql: string) => void;
  /** Replace the task list (tests). */
  tasks?: readonly TaskDefinition<AppServices>[];
  /** Serve /healthz, /readyz (and, for a worker-only process, /metrics) on this port (`--health-port`; 0: a free one). */
  healthPort?: number;
  /** Trace into this exporter (tests: an in-memory one) as if OTEL_EXPORTER_OTLP_ENDPOINT were set. */
  spanExporter?: SpanExporter;
  /** Called when the process cannot go on (the embedded database could not be restarted). */
  onFatal?: (error: Error) => void;
}

export interface App {
  services: AppServices;
  /** The agent runtime behind `services.agents` (its lifecycle: heartbeats, sweeps, stop). */
  agents: AgentRuntime;
  pool: pg.Pool;
  databaseUrl: string;
  http?: HttpServer;
  runner?: Runner;
  /** Base URL of the GraphQL endpoint, when serving HTTP. */
  graphqlUrl?: string;
  /** Ports of the operations servers (`healthPort`, METRICS_PORT), when started. */
  opsPorts: { healthPort?: number; metricsPort?: number };
  readiness(): Promise<Readiness>;
  /** Graceful stop within the configured bound; safe to call more than once. */
  stop(reason?: string): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

async function connect(
  url: string,
  config: Config,
  logger: Logger,
  onQuery?: (sql: string) => void,
): Promise<{ pool: pg.Pool; db: Database }> {
  const pool = createPool(url, config.databasePoolSize, logger);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = (error as Error).message || (error as { code?: string }).code || String(error);
    throw new DatabaseUnavailableError(`cannot connect to the database at ${describeDatabaseUrl(url)}: ${reason}`);
  }
  return { pool, db: createDatabase(pool, onQuery, { prepare: config.databasePreparedStatements }) };
}

export async function startApp(options: StartOptions): Promise<App> {
  const { config, logger } = options;
  const cleanup: Array<() => Promise<void>> = [];
  let embedded: EmbeddedPostgres | undefined;
  try {
    if (!config.databaseUrl) {
      embedded = await (options.embedded ?? startEmbeddedPostgres({ home: config.home, port: config.embeddedPgPort, logger }));
      const cluster = embedded;
      cleanup.push(() => cluster.stop());
    }
    const databaseUrl = config.databaseUrl ?? embedded!.url;
    const { pool, db } = await connect(databaseUrl, config, logger, options.onQuery);
    cleanup.push(() => db.destroy());
    if (options.migrate !== false) await migrateToLatest(db as never, pool, logger);
    const observability = await startObservability({ config, logger, version, spanExporter: options.spanExporter });
    cleanup.push(() => observability.stop());

    const bus = new EventBus(await createTransport(config, databaseUrl, pool, logger), logger);
    await bus.start();
    cleanup.push(() => bus.stop());

    const secret = resolveSecret(config);
    // Local download URLs point at this API: PUBLIC_URL, else the address it ends up listening on.
    let listeningUrl: string | undefined;
    const storage = await createFileStorage(config, {
      secret,
      publicUrl: () => config.publicUrl ?? listeningUrl ?? `http://localhost:${config.port}`,
    });
    const rateLimits = new RateLimits(pool, config.limits.rate, logger.child({ component: 'rate-limits' }));
    const health = new DatabaseHealth(pool, logger.child({ component: 'database-health' }));
    health.start();
    cleanup.push(async () => health.stop());
    const agents = new AgentRuntime(() => services, instrumentProvider(createProvider(config)));
    const services: AppServices = {
      config,
      db,
      logger,
      version,
      bus,
      storage,
      clock: { now: () => new Date() },
      auth: {
        secret,
        supabase: createSupabaseVerifier({ url: config.supabase.url, jwtSecret: config.supabase.jwtSecret }),
      },
      agents,
      rateLimits,
      health,
      // Enqueueing knows every task (the default list and a test's own), whichever list the worker runs.
      jobs: createJobQueue([...defaultTasks, ...(options.tasks ?? [])]),
    };
    cleanup.push(() => agents.stop());
    if (embedded) {
      // A dead embedded postmaster is restarted with backoff; after EMBEDDED_PG_RESTARTS failed
      // attempts the process gives up (onFatal: `tmates serve` exits 1 for its supervisor).
      const unsupervise = superviseEmbeddedPostgres({
        embedded,
        health,
        maxRestarts: config.limits.embeddedPgRestarts,
        logger: logger.child({ component: 'embedded-postgres' }),
        onGiveUp: (error) => {
          logger.fatal({ err: error }, 'the database is gone for good');
          options.onFatal?.(error);
        },
      });
      cleanup.push(async () => unsupervise());
    }
    // Reference data (the catalog) is part of a working installation: seeded at every start, idempotently.
    if (options.migrate !== false) await seedDatabase(services);

    let runner: Runner | undefined;
    let workerError: Error | undefined;
    let workerHealth: ReturnType<typeof observability.watchWorker> | undefined;
    if (options.worker) {
      runner = await startWorker({
        pool,
        tasks: options.tasks ?? defaultTasks,
        deps: services,
        concurrency: config.workerConcurrency,
        localQueueSize: config.workerLocalQueueSize,
        logger,
        gracefulShutdownMs: Math.max(0, config.shutdownTimeoutMs - 1000),
      });
      agents.startBackground();
      workerHealth = observability.watchWorker(runner);
      runner.promise.catch((error: Error) => {
        workerError = error;
        logger.error({ err: error }, 'worker stopped unexpectedly');
      });
    }

    let stopping = false;
    const readiness = async (): Promise<Readiness> => {
      const checks: Readiness['checks'] = {};
      try {
        await sql`select 1`.execute(db);
        checks.database = { ok: true };
        const pending = await pendingMigrations(db as never);
        checks.migrations = pending.length ? { ok: false, detail: `${pending.length} pending` } : { ok: true };
      } catch {
        checks.database = { ok: false, detail: 'unreachable' };
      }
      if (options.worker) checks.worker = workerError ? { ok: false, detail: 'stopped' } : (workerHealth?.check() ?? { ok: true });
      if (stopping) checks.shutdown = { ok: false, detail: 'shutting down' };
      return { ready: Object.values(checks).every((c) => c.ok), checks };
    };

    let http: HttpServer | undefined;
    if (options.http) {
      const yoga = createTmatesYoga({ services, readiness, plugins: observability.yogaPlugins });
      http = await startHttpServer({
        yoga,
        host: config.host,
        port: config.port,
        logger,
        sockets: new SocketGuard(services),
        limits: config.limits,
      });
      const host = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
      listeningUrl = `http://${host}:${http.port}`;
    }
    const opsPorts = await observability.serve({ pool, db: db as never, openWebSockets: http?.openWebSockets, readiness, api: Boolean(http), healthPort: options.healthPort });

    let stopped: Promise<void> | undefined;
    const stop = (reason = 'stop requested') =>
      (stopped ??= (async () => {
        stopping = true;
        const deadline = Date.now() + config.shutdownTimeoutMs;
        logger.info({ reason, timeoutMs: config.shutdownTimeoutMs }, 'shutting down');
        // Stop taking new work first (HTTP and jobs), then release the database.
        await Promise.all([
          http?.close(deadline).catch((error) => logger.error({ err: error }, 'closing HTTP failed')),
          runner?.stop().catch((error) => logger.error({ err: error }, 'stopping worker failed')),
        ]);
        for (const step of cleanup.reverse()) await step().catch((error) => logger.error({ err: error }, 'cleanup failed'));
        logger.info('stopped');
      })());

    const publicBase = config.publicUrl ?? (http ? `http://localhost:${http.port}` : undefined);
    return {
      services,
      agents,
      pool,
      databaseUrl,
      http,
      runner,
      graphqlUrl: publicBase ? `${publicBase.replace(/\/$/, '')}/graphql` : undefined,
      opsPorts,
      readiness,
      stop,
    };
  } catch (error) {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    throw error;
  }
}
