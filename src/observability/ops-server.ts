import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsResponse } from './metrics-endpoint.ts';

/** Same shape as the API's `/readyz` answer. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP server for operations, apart from the API: `GET /healthz` (200 while the process is
 * up), `GET /readyz` (the readiness checks as JSON; 200 or 503) and, with `metrics`, `GET /metrics`.
 * `tmates worker --health-port N` runs one (a worker has no API port), and METRICS_PORT runs one
 * for metrics. Anything else is 404.
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  readiness: () => Promise<ReadinessReport>;
  /** Serve `/metrics`, with this bearer token when set. */
  metrics: { token: string | undefined } | false;
}): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, headers: Record<string, string>, body: string) => {
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const answer = async () => {
      if (path === '/healthz') return send(200, { 'content-type': 'text/plain' }, 'ok\n');
      if (path === '/readyz') {
        const report = await options.readiness();
        return send(report.ready ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify(report));
      }
      if (path === '/metrics' && options.metrics) {
        const result = await metricsResponse({ method: req.method ?? 'GET', authorization: req.headers.authorization }, options.metrics.token);
        return send(result.status, result.headers, result.body);
      }
      send(404, { 'content-type': 'text/plain' }, 'Not found.\n');
    };
    answer().catch(() => {
      if (!res.headersSent) send(500, { 'content-type': 'text/plain' }, 'Unexpected error.\n');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
