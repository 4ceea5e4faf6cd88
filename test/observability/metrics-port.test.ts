import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useTestServer, type TestServer } from '../helpers/server.ts';
import { scrape, total } from './scrape.ts';

/** A port free right now (METRICS_PORT takes a fixed number, not 0). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const metricsPort = await freePort();
let server: TestServer;
useTestServer({ env: { METRICS_PORT: String(metricsPort) } }, (s) => (server = s));

describe('METRICS_PORT', () => {
  it('serves /metrics (and health) on its own port, not on the API port', async () => {
    const api = server.url.replace(/\/graphql$/, '');
    expect(server.app.opsPorts.metricsPort).toBe(metricsPort);
    expect((await fetch(`${api}/metrics`)).status).toBe(404);
    await server.gql('query Ping { serverInfo { version } }');
    const samples = await scrape(`http://127.0.0.1:${metricsPort}`);
    expect(total(samples, 'graphql_envelop_request', { operationName: 'Ping' })).toBe(1);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/graphql`)).status).toBe(404);
  });
});
