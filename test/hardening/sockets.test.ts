import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { useTestServer, type TestServer } from '../helpers/server.ts';
import { openSse, until } from './streams.ts';

let server: TestServer;
useTestServer(
  { env: { MAX_SOCKETS_PER_USER: '3', MAX_SSE_STREAMS_PER_USER: '2', RATE_LIMIT_STREAMS_PER_USER: '10' } },
  (s) => (server = s),
);

const VIEWER = 'subscription { viewerEvents { __typename } }';

/** A raw graphql-transport-ws socket: what it was sent, and how it closed. */
function rawSocket() {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  const messages: Array<Record<string, unknown>> = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  socket.on('error', () => undefined);
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, messages, closed, opened };
}

async function initialised(user: TestUser) {
  const raw = rawSocket();
  await raw.opened;
  raw.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } }));
  await Promise.race([until(() => raw.messages.some((m) => m.type === 'connection_ack')), raw.closed]);
  return raw;
}

describe('WebSocket input limits', () => {
  it('closes a socket that sends a frame over WS_MAX_PAYLOAD_BYTES (1 MB), before connection_init or after', async () => {
    const early = rawSocket();
    await early.opened;
    early.socket.send(JSON.stringify({ type: 'connection_init', payload: { junk: 'x'.repeat(2 * 1024 * 1024) } }));
    expect((await early.closed).code).toBe(1009);

    const user = await signUpUser(server, 'Big');
    const late = await initialised(user);
    late.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ __typename }`, variables: { junk: 'x'.repeat(2 * 1024 * 1024) } } }));
    expect((await late.closed).code).toBe(1009);
    // A message under the limit is fine.
    const fine = await initialised(user);
    fine.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ __typename }', variables: { pad: 'x'.repeat(500_000) } } }));
    await until(() => fine.messages.some((m) => m.type === 'next'));
    fine.socket.close();
  });

  it('refuses operations before connection_init', async () => {
    const raw = rawSocket();
    await raw.opened;
    raw.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: VIEWER } }));
    expect((await raw.closed).code).toBe(4401);
    expect(raw.messages.filter((m) => m.type === 'next')).toEqual([]);
  });

  it('refuses a list variable over GRAPHQL_MAX_LIST_LENGTH over the socket too', async () => {
    const user = await signUpUser(server, 'Lists');
    const raw = await initialised(user);
    raw.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: Array.from({ length: 5000 }, (_, i) => `x${i}`) } } }));
    await until(() => raw.messages.some((m) => m.type === 'error'));
    expect(JSON.stringify(raw.messages.find((m) => m.type === 'error'))).toContain('has 5000 elements; the limit is 1000');
    raw.socket.close();
  });
});

describe('per-person stream limits', () => {
  it('caps open sockets per person (MAX_SOCKETS_PER_USER), not per installation', async () => {
    const user = await signUpUser(server, 'Sockets');
    const open = [await initialised(user), await initialised(user), await initialised(user)];
    for (const raw of open) expect(raw.messages.map((m) => m.type)).toEqual(['connection_ack']);
    const fourth = await initialised(user);
    const refused = await fourth.closed;
    expect(refused.code).toBe(4429);
    expect(refused.reason).toBe('At most 3 open sockets per person');
    // Someone else is not affected, and closing one makes room.
    const other = await initialised(await signUpUser(server, 'Other'));
    expect(other.messages.map((m) => m.type)).toEqual(['connection_ack']);
    open[0]!.socket.close();
    await open[0]!.closed;
    const again = await initialised(user);
    expect(again.messages.map((m) => m.type)).toEqual(['connection_ack']);
    for (const raw of [...open, again, other]) raw.socket.close();
  });

  it('caps open SSE streams per person (MAX_SSE_STREAMS_PER_USER) with 429 and Retry-After', async () => {
    const user = await signUpUser(server, 'Streams');
    const first = await openSse(server.url, user.token, VIEWER);
    const second = await openSse(server.url, user.token, VIEWER);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await openSse(server.url, user.token, VIEWER);
    await third.ended;
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(third.text()).toContain('At most 2 open streams per person');
    first.close();
    // Once the server noticed the closed stream, there is room again.
    const { openSseStreams } = await import('../../src/server/stream-guard.ts');
    const { decodeGlobalID } = await import('@pothos/plugin-relay');
    await until(() => openSseStreams(server.app.services, decodeGlobalID(user.userId).id) === 1);
    const fourth = await openSse(server.url, user.token, VIEWER);
    expect(fourth.status).toBe(200);
    second.close();
    fourth.close();
  });

  it('rate-limits opening streams per person (RATE_LIMIT_STREAMS_PER_USER), across sockets and SSE', async () => {
    const user = await signUpUser(server, 'Opener');
    const codes: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      const raw = await initialised(user);
      codes.push(raw.messages.some((m) => m.type === 'connection_ack') ? 200 : (await raw.closed).code);
      raw.socket.close();
      await raw.closed;
    }
    expect(codes).toEqual(Array(10).fill(200));
    const refused = await initialised(user);
    const closed = await refused.closed;
    expect(closed.code).toBe(4429);
    expect(closed.reason).toMatch(/^Too many new connections; retry in \d+ s$/);
    const sse = await openSse(server.url, user.token, VIEWER);
    await sse.ended;
    expect(sse.status).toBe(429);
    expect(Number(sse.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
