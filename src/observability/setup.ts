import type { Runner } from 'graphile-worker';
import type { Plugin } from 'graphql-yoga';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { collectDefaultMetrics } from 'prom-client';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ObservabilityConfig } from './observability-config.ts';
import type { Logger } from '../logger.ts';
import { registry } from './metrics.ts';
import { startOpsServer, type OpsServer, type ReadinessReport } from './ops-server.ts';
import { startTracing, type Tracing } from './tracing.ts';
import { watchWorker, type WorkerHealth } from './worker-health.ts';

export interface Observability {
  /** Yoga plugins: GraphQL metrics and the `/metrics` route (METRICS on), GraphQL spans (tracing on). */
  yogaPlugins: Plugin[];
  /** Follows the worker's heartbeat for `/readyz`. */
  watchWorker(runner: Runner): WorkerHealth;
  /**
   * Starts reading the pool, queue and sockets at scrape time, and the operations servers: one on
   * `healthPort` (health, readiness and metrics for a worker-only process) and one on METRICS_PORT.
   */
  serve(input: {
    pool: pg.Pool;
    db: Kysely<never>;
    openWebSockets?: () => number;
    readiness: () => Promise<ReadinessReport>;
    /** Whether this process serves the API (whose port then carries `/metrics` unless METRICS_PORT is set). */
    api: boolean;
    healthPort?: number;
  }): Promise<{ healthPort?: number; metricsPort?: number }>;
  /** Stops the operations servers and flushes spans. */
  stop(): Promise<void>;
}

let defaultMetricsStarted = false;

/**
 * Metrics (METRICS=true or METRICS_PORT) and tracing (OTEL_EXPORTER_OTLP_ENDPOINT, or `spanExporter`
 * in tests) for one process. With both off this adds no plugin, no server and no SDK.
 */
export async function startObservability(input: { config: { host: string; observability: ObservabilityConfig }; logger: Logger; version: string; spanExporter?: SpanExporter }): Promise<Observability> {
  const { config, logger } = input;
  const settings = config.observability;
  const log = logger.child({ component: 'observability' });
  const tracing: Tracing | undefined = await startTracing({
    endpoint: settings.otlpEndpoint,
    serviceName: settings.serviceName,
    version: input.version,
    exporter: input.spanExporter,
  });
  if (tracing) log.info({ endpoint: settings.otlpEndpoint ?? 'in-memory' }, 'tracing on');

  const yogaPlugins: Plugin[] = [];
  if (settings.metrics) {
    // Loaded only when metrics are on (the Prometheus plugin pulls in a fair amount of code).
    const { useGraphQLMetrics, useMetricsEndpoint, useSubscriptionMetrics } = await import('./graphql-plugins.ts');
    if (!defaultMetricsStarted) {
      // Process CPU, memory, heap, event-loop lag and GC (prom-client's standard `process_*`/`nodejs_*`).
      collectDefaultMetrics({ register: registry });
      defaultMetricsStarted = true;
    }
    yogaPlugins.push(useGraphQLMetrics(), useSubscriptionMetrics());
    if (!settings.metricsPort) yogaPlugins.push(useMetricsEndpoint(settings.metricsToken));
  }
  if (tracing) {
    const { useOpenTelemetry } = await import('@envelop/opentelemetry');
    // Operation spans only: documents are recorded, variables and results are not (they hold people's data).
    yogaPlugins.push(useOpenTelemetry({ resolvers: false, variables: false, result: false, document: true }, tracing.provider as never) as Plugin);
  }

  const servers: OpsServer[] = [];
  const removals: Array<() => void> = [];
  return {
    yogaPlugins,
    watchWorker,
    async serve({ pool, db, openWebSockets, readiness, api, healthPort }) {
      if (settings.metrics) {
        const { addScrapeSource } = await import('./collectors.ts');
        removals.push(addScrapeSource({ pool, db, openWebSockets, onError: (error, what) => log.warn({ err: error }, `reading ${what} for metrics failed`) }));
      }
      const metrics = settings.metrics ? { token: settings.metricsToken } : false;
      const ports: { healthPort?: number; metricsPort?: number } = {};
      if (healthPort !== undefined) {
        const onHealthPort = Boolean(metrics) && (!settings.metricsPort || settings.metricsPort === healthPort) && !api;
        const server = await startOpsServer({ host: config.host, port: healthPort, readiness, metrics: onHealthPort ? metrics : false });
        servers.push(server);
        ports.healthPort = server.port;
        if (onHealthPort) ports.metricsPort = server.port;
        log.info({ port: server.port, metrics: onHealthPort }, 'health endpoints listening');
      }
      if (settings.metricsPort && settings.metricsPort !== healthPort) {
        const server = await startOpsServer({ host: config.host, port: settings.metricsPort, readiness, metrics });
        servers.push(server);
        ports.metricsPort = server.port;
        log.info({ port: server.port }, 'metrics listening');
      } else if (settings.metrics && !api && ports.metricsPort === undefined) {
        log.warn('METRICS is on but this process serves no HTTP: pass --health-port or set METRICS_PORT to expose them');
      }
      return ports;
    },
    async stop() {
      for (const remove of removals.splice(0)) remove();
      await Promise.all(servers.splice(0).map((s) => s.close()));
      await tracing?.shutdown().catch((error) => log.warn({ err: error }, 'flushing spans failed'));
    },
  };
}
