import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { RedisTransport } from '../src/realtime/redis-transport.ts';
import { signUpUser } from './helpers/accounts.ts';
import { createTestDatabase } from './helpers/database.ts';
import { startTestServer } from './helpers/server.ts';
import { collect, poll } from './helpers/subscriptions.ts';

/** The optional Redis transport, against a real Redis (skipped when none is reachable). */
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const reachable = await (async () => {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
})();

const logger = createLogger('silent');
const toStop: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => {
  for (const t of toStop) await t.stop();
});

describe.skipIf(!reachable)('Redis transport', () => {
  it('delivers to every process in order, and reports a reconnection after the connection is killed', async () => {
    const channel = `tmates-test-${randomBytes(4).toString('hex')}`;
    const received = { a: [] as string[], b: [] as string[] };
    let reconnects = 0;
    const a = new RedisTransport({ url, logger, channel });
    const b = new RedisTransport({ url, logger, channel });
    toStop.push(a, b);
    await a.start({ onMessage: (p) => received.a.push(p), onReconnect: () => {} });
    await b.start({ onMessage: (p) => received.b.push(p), onReconnect: () => (reconnects += 1) });
    expect(await a.publishInTransaction()).toBe(false);
    await a.publish(['1', '2', '3']);
    await poll(() => received.b.length === 3 && received.a.length === 3);
    expect(received.b).toEqual(['1', '2', '3']);

    const admin = new Redis(url);
    const clients = String(await admin.call('CLIENT', 'LIST'));
    const ids = clients
      .split('\n')
      .filter((line) => line.includes('name=tmates-subscriber') && line.includes(`sub=1`))
      .map((line) => /id=(\d+)/.exec(line)![1]!);
    for (const id of ids) await admin.call('CLIENT', 'KILL', 'ID', id);
    admin.disconnect();
    await poll(() => reconnects >= 1);
    await a.publish(['after']);
    await poll(() => received.b.includes('after'));
  });

  it('refuses to start against an unreachable Redis, quickly', async () => {
    const t = new RedisTransport({ url: 'redis://127.0.0.1:1', logger });
    const started = Date.now();
    await expect(t.start({ onMessage: () => {}, onReconnect: () => {} })).rejects.toThrow(/cannot connect to Redis/);
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('carries thread events between two API processes when REDIS_URL is set', async () => {
    const db = await createTestDatabase();
    const env = { REDIS_URL: url };
    const [a, b] = await Promise.all([startTestServer({ databaseUrl: db.url, env }), startTestServer({ databaseUrl: db.url, env })]);
    try {
      expect(a.app.services.bus.transport.name).toBe('redis');
      const user = await signUpUser(a, 'Redis');
      const threads = await a.gql<any>('{ threads { edges { node { id isDefault } } } }', {}, { token: user.token });
      const thread = threads.data.threads.edges.find((e: any) => e.node.isDefault).node.id;
      const sub = collect(a.wsClient({ token: user.token }), 'subscription($id: ID!) { threadEvents(threadId: $id) { ... on MessageEvent { message { body } } } }', { id: thread });
      await new Promise((r) => setTimeout(r, 200));
      await b.gql('mutation($id: ID!) { sendMessage(input: { threadId: $id, body: "via redis" }) { __typename } }', { id: thread }, { token: user.token });
      const [event] = await sub.waitFor(1);
      expect(event).toEqual({ threadEvents: { message: { body: 'via redis' } } });
      sub.stop();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await db.drop();
    }
  });
});
