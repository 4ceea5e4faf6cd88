import { timingSafeEqual } from 'node:crypto';
import { registry } from './metrics.ts';

export interface MetricsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The `/metrics` answer (Prometheus text format 0.0.4): 200 with every metric of this process,
 * 401 with `WWW-Authenticate: Bearer` when METRICS_TOKEN is set and the request does not carry
 * `Authorization: Bearer <token>`, 405 for anything but GET and HEAD.
 */
export async function metricsResponse(request: { method: string; authorization: string | null | undefined }, token: string | undefined): Promise<MetricsResponse> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' }, body: 'Method not allowed.\n' };
  }
  if (token) {
    const match = /^Bearer\s+(.+)$/i.exec(request.authorization ?? '');
    if (!match || !sameSecret(match[1]!.trim(), token)) {
      return { status: 401, headers: { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain' }, body: 'A bearer token is required.\n' };
    }
  }
  return { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' }, body: await registry.metrics() };
}
