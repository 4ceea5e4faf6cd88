import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, it, expect, afterAll } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { RedisTransport } from '../../src/realtime/redis-transport.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { startTestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';
import { waitFor } from '../helpers/kit.ts';

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
// Parallel runs against the same Redis must not see each other's events.
const channel = `tmates-test-${randomBytes(4).toString('hex')}`;
const toStop: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(toStop.map((t) => t.stop()));
});

/** A started transport that records what it receives, like one server process. */
async function startProcess() {
  const transport = new RedisTransport({ url, logger, channel });
  toStop.push(transport);
  const state = { transport, received: [] as string[], reconnects: 0 };
  await transport.start({ onMessage: (p) => state.received.push(p), onReconnect: () => (state.reconnects += 1) });
  return state;
}

describe.skipIf(!reachable)('Redis transport', () => {
  it('delivers every payload to every process, the publisher included, in order', async () => {
    const a = await startProcess();
    const b = await startProcess();
    await a.transport.publish(['one']);
    await waitFor(() => a.received.length >= 1 && b.received.length >= 1, 5_000);
    expect(a.received).toEqual(['one']);
    expect(b.received).toEqual(['one']);

    const many = Array.from({ length: 20 }, (_, i) => `event-${i}`);
    await b.transport.publish(many);
    await waitFor(() => a.received.length >= 21 && b.received.length >= 21, 5_000);
    expect(a.received).toEqual(['one', ...many]);
    expect(b.received).toEqual(['one', ...many]);
    expect(a.reconnects + b.reconnects).toBe(0);
  });

  it('cannot publish inside a database transaction', async () => {
    const t = new RedisTransport({ url, logger, channel });
    toStop.push(t);
    expect(await t.publishInTransaction()).toBe(false);
  });

  it('reports exactly one reconnection after its subscriber is killed, and still receives', async () => {
    const a = await startProcess();
    const b = await startProcess();
    const admin = new Redis(url);
    toStop.push({ stop: () => admin.quit().then(() => undefined) });
    const ids = String(await admin.call('CLIENT', 'LIST'))
      .split('\n')
      .filter((line) => line.includes(` name=${b.transport.subscriberName} `))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
    expect(ids).toHaveLength(1);
    await admin.call('CLIENT', 'KILL', 'ID', ids[0]!);

    await waitFor(() => b.reconnects >= 1, 10_000);
    await a.transport.publish(['after']);
    await waitFor(() => b.received.includes('after') && a.received.includes('after'), 5_000);
    expect(b.received).toEqual(['after']);
    expect(b.reconnects).toBe(1);
    expect(a.reconnects).toBe(0);
  });

  it('refuses to start against an unreachable Redis within a few seconds', async () => {
    const t = new RedisTransport({ url: 'redis://127.0.0.1:1', logger });
    const started = Date.now();
    const error = await t.start({ onMessage: () => {}, onReconnect: () => {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/cannot connect to Redis at 127\.0\.0\.1:1/);
    expect(Date.now() - started).toBeLessThan(6_000);
    await t.stop();
    await t.stop();
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
      const listening = a.app.services.bus.listenerCount();
      const sub = collect(a.wsClient({ token: user.token }), 'subscription($id: ID!) { threadEvents(threadId: $id) { ... on MessageEvent { message { body } } } }', { id: thread });
      await waitFor(() => a.app.services.bus.listenerCount() > listening, 5_000);
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
