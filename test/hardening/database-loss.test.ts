import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeUntil } from '../helpers/kit.ts';
import WebSocket from 'ws';
import { startApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/config.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { createLogger } from '../../src/logger.ts';
import { collect } from '../helpers/subscriptions.ts';
import { TEST_SECRET } from '../helpers/server.ts';
import { openSse, socketClient, until } from './streams.ts';

/** A whole installation on its own embedded PostgreSQL, whose postmaster the test kills. */
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-dbloss-'));
chmodSync(home, 0o755); // reachable by the postgres OS user when the tests run as root
let app: App;
let embedded: EmbeddedPostgres;
let url: string;
beforeAll(async () => {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const config = parseConfig({ PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', TMATES_HOME: home, TMATES_SECRET: TEST_SECRET, SHUTDOWN_TIMEOUT_MS: '3000', LOG_LEVEL: 'silent' });
  const starting = startEmbeddedPostgres({ home, ephemeral: true, logger });
  embedded = await starting;
  app = await startApp({ config, logger, http: true, worker: false, embedded: starting });
  url = `http://127.0.0.1:${app.http!.port}`;
}, 120_000);
afterAll(async () => {
  await app?.stop('test finished');
  await embedded?.stop();
  rmSync(home, { recursive: true, force: true });
});

type Data = Record<string, any>;
const gql = async (query: string, variables: Data = {}, token?: string) => {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Data; errors?: Array<{ message: string }> };
};

const THREAD = 'subscription($id: ID!, $after: String) { threadEvents(threadId: $id, after: $after) { __typename cursor ... on MessageEvent { message { body } } } }';
const SEND = 'mutation($id: ID!, $b: String!) { sendMessage(input: { threadId: $id, body: $b }) { __typename } }';
const INTERNAL = /127\.0\.0\.1|ECONNREFUSED|::1|localhost:\d+/;

describe('losing the database', () => {
  it('ends open streams with a retryable error, reports it on /readyz, restarts the embedded postmaster, and clients resume from their cursor', async () => {
    const signUp = await gql('mutation { signUp(input: { email: "db@example.com", password: "correct horse battery", displayName: "Db" }) { ... on AuthPayload { token } } }');
    const token = signUp.data!.signUp.token as string;
    const threads = await gql('{ threads { edges { node { id kind } } } }', {}, token);
    const thread = threads.data!.threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node.id as string;

    const socket = socketClient(`${url.replace('http', 'ws')}/graphql`, { authorization: `Bearer ${token}` });
    const live = collect<Data>(socket.client, THREAD, { id: thread });
    const sse = await openSse(`${url}/graphql`, token, 'subscription { viewerEvents { __typename } }');
    await probeUntil(() => gql(SEND, { id: thread, b: 'before the outage' }, token), () => live.events.length > 0, 'the subscription to start');
    const cursor = live.events.at(-1)!.threadEvents.cursor as string;

    // Kill the postmaster as an operator or the OOM killer would.
    const pid = Number(readFileSync(path.join(embedded.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGINT');

    let sawNotReady = false;
    const readiness = (async () => {
      for (let i = 0; i < 3000 && !sawNotReady; i += 1) {
        const response = await fetch(`${url}/readyz`);
        if (response.status === 503) sawNotReady = true;
        else await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await Promise.all([live.ended(20_000), sse.ended, readiness]);
    expect(sawNotReady).toBe(true);
    const error = JSON.stringify(live.errors);
    expect(error).toContain('SERVICE_UNAVAILABLE');
    expect(error).toContain('reconnect and resume from your last cursor');
    expect(error).not.toMatch(INTERNAL);
    expect(sse.text()).toContain('SERVICE_UNAVAILABLE');
    expect(sse.text()).not.toMatch(INTERNAL);
    await until(() => socket.closes.length > 0);
    expect(socket.closes[0]).toEqual({ code: 1013, reason: 'Service unavailable; try again later' });

    // A client connecting meanwhile is told to retry later, or is served: never an internal address.
    const early = socketClient(`${url.replace('http', 'ws')}/graphql`, { authorization: `Bearer ${token}` });
    const probe = collect<Data>(early.client, '{ viewer { user { id } } }');
    await probe.ended(20_000).catch(() => undefined);
    expect(JSON.stringify([probe.errors, early.closes])).not.toMatch(INTERNAL);
    await early.client.dispose();

    // The postmaster comes back by itself, the data with it.
    await until(() => embedded.running!(), 60_000);
    await until(() => app.services.health!.up, 60_000);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await gql(SEND, { id: thread, b: 'during recovery' }, token);

    // The client reconnects and resumes from its cursor: nothing lost, nothing repeated.
    const again = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
    const resumed = collect<Data>(again, THREAD, { id: thread, after: cursor });
    await until(() => resumed.events.some((e) => e.threadEvents.message?.body === 'during recovery'), 20_000);
    expect(resumed.events.every((e) => Number(e.threadEvents.cursor) > Number(cursor))).toBe(true);
    await again.dispose();
    await socket.client.dispose();
  }, 180_000);
});
