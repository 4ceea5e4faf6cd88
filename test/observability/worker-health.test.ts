import { describe, expect, it } from 'vitest';
import { useTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
useTestServer({ worker: true }, (s) => (server = s));

describe('/readyz and the worker', () => {
  it('is ready while the worker fetches jobs, and not once the worker has stopped', async () => {
    const base = server.url.replace(/\/graphql$/, '');
    const before = await fetch(`${base}/readyz`);
    expect(before.status).toBe(200);
    expect(((await before.json()) as { checks: Record<string, unknown> }).checks.worker).toEqual({ ok: true });

    await server.app.runner!.stop();
    const after = await fetch(`${base}/readyz`);
    expect(after.status).toBe(503);
    expect(await after.json()).toMatchObject({ ready: false, checks: { database: { ok: true }, worker: { ok: false, detail: 'stopped' } } });
  });
});
