/**
 * Realtime benchmark (npm run bench:realtime). Starts an embedded PostgreSQL and two `tmates serve`
 * processes on it, then measures, with real WebSocket clients speaking graphql-transport-ws:
 *   1. sendMessage → subscriber latency, subscriber on the same process and on the other one;
 *   2. fan-out of one message to N concurrent subscriptions (one socket each): time until the
 *      last subscriber has it, for N = 1,000 / 5,000 / 7,500 / 10,000 (sent through B, subscribers on A),
 *      and server memory per idle subscription (measured on B before any fan-out);
 *   3. the same fan-out from a bare `ws` server broadcasting a payload of the same size (baseline);
 *   4. idle memory: `--idle` subscriptions (default 20,000) opened on a third, fresh process, then
 *      its RSS growth per idle subscription (goal: ≤ 30 kB each); then one message is fanned out to
 *      all of them (proves they are live). `--idle-per-socket` (default 2) subscriptions share a
 *      socket: 20,000 sockets do not fit under a 20,000 open-files limit (`ulimit -n`) with the
 *      server's own files; where the limit allows, `--idle-per-socket 1` measures a socket each;
 *   5. a reconnect storm: N clients (default 5,000) open sockets within a window (default 2 s), as
 *      they all do after a restart; prints how many got subscribed (their first event arrived:
 *      each resumes from a cursor, so the server replays one message) and the p50/p95 time from
 *      opening the socket to subscribed.
 * The benchmark is one person with thousands of sockets: it raises the per-person socket limits.
 * Each fan-out line prints the ratio of its p50/p95 to the raw `ws` baseline of the same run (goal: p95 ≤ 2×).
 * Options: --latency-samples 200 --fanout 1000,5000,7500,10000 --events 10 --storm 5000
 *          --storm-window-ms 2000 --idle 20000 --cases latency,fanout,idle,storm
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { createLogger } from '../src/logger.ts';
import { spawnTmates } from '../test/helpers/process.ts';
import { fmt, gql, percentile, sleep } from './common.ts';

const { values } = parseArgs({
  options: {
    'latency-samples': { type: 'string', default: '200' },
    fanout: { type: 'string', default: '1000,5000,7500,10000' },
    events: { type: 'string', default: '10' },
    storm: { type: 'string', default: '5000' },
    'storm-window-ms': { type: 'string', default: '2000' },
    idle: { type: 'string', default: '20000' },
    'idle-per-socket': { type: 'string', default: '2' },
    cases: { type: 'string', default: 'latency,fanout,idle,storm' },
  },
});
const STORM = Number(values.storm);
const STORM_WINDOW_MS = Number(values['storm-window-ms']);
const CASES = new Set(values.cases!.split(','));
const SAMPLES = Number(values['latency-samples']);
const FANOUT = values.fanout!.split(',').map(Number);
const EVENTS = Number(values.events);
const IDLE = Number(values.idle);
const IDLE_PER_SOCKET = Number(values['idle-per-socket']);

const SUBSCRIPTION = `subscription($id: ID!, $after: String) { threadEvents(threadId: $id, after: $after) { __typename cursor ... on MessageEvent { message { id seq body status authorKind createdAt } } } }`;

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);


/** A minimal graphql-transport-ws subscriber (`subscriptions` on one socket): cheap enough to open ten thousand from one process. */
function subscriber(wsUrl: string, token: string, threadId: string, onEvent: () => void, subscriptions = 1): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'connection_ack') {
        for (let i = 1; i <= subscriptions; i += 1) {
          socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: threadId } } }));
        }
        // The server confirms nothing on subscribe; a short settle time is allowed by the caller.
        resolve(socket);
      } else if (message.type === 'next') onEvent();
      else if (message.type === 'error') reject(new Error(String(data)));
    });
    socket.on('error', reject);
  });
}

async function openMany(count: number, open: (i: number) => Promise<WebSocket>): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += 200) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => open(i + j)))));
  }
  return sockets;
}

async function closeAll(sockets: WebSocket[]) {
  await Promise.all(sockets.map((s) => new Promise<void>((r) => (s.readyState === s.CLOSED ? r() : (s.once('close', () => r()), s.close())))));
}

/**
 * 4. Reconnect storm: `STORM` clients open a socket each, spread evenly over `STORM_WINDOW_MS`, send
 * connection_init, then subscribe resuming just before the thread's last message. "Subscribed" is
 * the arrival of that replayed message. A client that is reset, refused or not subscribed within
 * 60 s counts as lost.
 */
async function storm(wsUrl: string, token: string, threadId: string, send: (url: string, body: string) => Promise<unknown>, body: string, pid: number) {
  await send(wsUrl.replace('ws', 'http'), body);
  const seq = (await gql(wsUrl.replace('ws', 'http'), token, 'query($id: ID!) { thread(id: $id) { eventCursor } }', { id: threadId })).thread.eventCursor as string;
  const after = String(Number(seq) - 1);
  const times: number[] = [];
  const failures = new Map<string, number>();
  const sockets: WebSocket[] = [];
  const fail = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1);
  const rssBefore = rssKb(pid);
  const started = performance.now();
  const clients = Array.from({ length: STORM }, (_, i) =>
    new Promise<void>((resolve) => {
      setTimeout(() => {
        const t0 = performance.now();
        let done = false;
        const finish = (why?: string) => {
          if (done) return;
          done = true;
          clearTimeout(deadline);
          if (why) fail(why);
          else times.push(performance.now() - t0);
          resolve();
        };
        const deadline = setTimeout(() => finish('not subscribed within 60 s'), 60_000);
        const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
        sockets.push(socket);
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as { type: string; payload?: Array<{ message?: string }> };
          if (message.type === 'connection_ack') {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: threadId, after } } }));
          } else if (message.type === 'next') finish();
          else if (message.type === 'error') finish(`error: ${String(message.payload?.[0]?.message).slice(0, 60)}`);
        });
        socket.on('close', (code) => finish(`closed ${code}`));
        socket.on('error', (error: Error & { code?: string }) => finish(error.code ?? error.message));
      }, (i * STORM_WINDOW_MS) / STORM);
    }),
  );
  await Promise.all(clients);
  const wall = performance.now() - started;
  const rssAfter = rssKb(pid);
  times.sort((x, y) => x - y);
  console.log(
    `storm ${STORM} clients within ${STORM_WINDOW_MS} ms: ${times.length}/${STORM} subscribed` +
      (times.length ? `  time to subscribed p50 ${fmt(percentile(times, 50))}  p95 ${fmt(percentile(times, 95))}  max ${fmt(times.at(-1)!)}` : '') +
      `  (all settled after ${fmt(wall)}; server RSS +${((rssAfter - rssBefore) / 1024).toFixed(0)} MB)` +
      (failures.size ? `  lost: ${JSON.stringify(Object.fromEntries(failures))}` : ''),
  );
  await closeAll(sockets);
  await sleep(1000);
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-bench-rt-'));
  chmodSync(home, 0o755);
  const cluster = await startEmbeddedPostgres({ home, ephemeral: true, logger: createLogger('warn') });
  const env: Record<string, string> = {
    DATABASE_URL: cluster.url,
    PORT: '0',
    LOG_LEVEL: 'warn',
    TMATES_SECRET: 'bench-secret-bench-secret-bench-secret-42',
    // One person holds every socket here; real installations keep the defaults (README "Limits").
    MAX_SOCKETS_PER_USER: '100000',
    RATE_LIMIT_STREAMS_PER_USER: '1000000',
    RATE_LIMIT_WRITES_PER_USER: '1000000',
    // Extra settings for experiments, e.g. BENCH_ENV='{"DATABASE_POOL_SIZE":"20"}'.
    ...(JSON.parse(process.env.BENCH_ENV ?? '{}') as Record<string, string>),
  };
  if (process.env.BENCH_PROFILE) env.NODE_ARGS = `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}`;
  if (process.env.BENCH_NODE_ARGS) env.NODE_ARGS = process.env.BENCH_NODE_ARGS;
  // A third process for the idle case: its memory is measured from a fresh start.
  const servers = Array.from({ length: CASES.has('idle') ? 3 : 2 }, () => spawnTmates(['serve', '--no-worker'], env));
  const children: ChildProcess[] = servers.map((s) => s.child);
  try {
    const urls: string[] = [];
    for (const s of servers) urls.push((await s.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/, 120_000))[1]!);
    const [urlA, urlB, urlC] = urls as [string, string, string | undefined];
    const wsA = urlA.replace('http', 'ws');

    const signUp = await gql(urlA, '', 'mutation { signUp(input: { email: "bench@example.com", password: "bench-password-1", displayName: "Bench" }) { ... on AuthPayload { token } } }');
    const token = signUp.signUp.token as string;
    const threads = await gql(urlA, token, '{ threads { edges { node { id isDefault } } } }');
    const threadId = threads.threads.edges.find((e: any) => e.node.isDefault).node.id as string;
    const send = (url: string, body: string) =>
      gql(url, token, 'mutation($id: ID!, $b: String!) { sendMessage(input: { threadId: $id, body: $b }) { __typename } }', { id: threadId, b: body });
    const body = 'The quarterly numbers are in: revenue up 12%, churn down to 3.1%. Details on the pinboard.';

    console.log(`Tmates realtime benchmark — ${os.cpus().length} cores, node ${process.version}, PostgreSQL LISTEN/NOTIFY relay`);

    if (CASES.has('storm')) await storm(wsA, token, threadId, send, body, servers[0]!.child.pid!);
    if (!CASES.has('latency') && !CASES.has('fanout') && !CASES.has('idle')) return;

    // 1. Latency: one subscriber, messages sent one at a time through process A, then process B.
    let resolveEvent: (() => void) | undefined;
    const latencySocket = await subscriber(wsA, token, threadId, () => resolveEvent?.());
    await sleep(300);
    for (const [label, url] of (CASES.has('latency') ? [['same process (send A → subscriber A)', urlA], ['across processes (send B → subscriber A)', urlB]] : []) as Array<readonly [string, string]>) {
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES + 10; i += 1) {
        const received = new Promise<void>((r) => (resolveEvent = r));
        const t0 = performance.now();
        await send(url, body);
        await received;
        if (i >= 10) samples.push(performance.now() - t0); // first 10 warm up
      }
      samples.sort((x, y) => x - y);
      console.log(`latency ${label.padEnd(42)} p50 ${fmt(percentile(samples, 50))}  p95 ${fmt(percentile(samples, 95))}  p99 ${fmt(percentile(samples, 99))}  (n=${samples.length})`);
    }
    await closeAll([latencySocket]);
    if (CASES.has('fanout')) await fanout(urlA, urlB, token, threadId, send, body, servers[1]!.child.pid!, children);
    // Last: 20,000 closed client sockets wait in TIME_WAIT for a minute, holding local ports.
    if (urlC) await idleMemory(urlC, token, threadId, send, body, servers[2]!.child.pid!);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** 4. `IDLE` idle subscriptions on process C (fresh): server RSS growth per subscription, then one event to all of them. */
async function idleMemory(urlC: string, token: string, threadId: string, send: (url: string, body: string) => Promise<unknown>, body: string, pid: number) {
  let received = 0;
  const rssBefore = rssKb(pid);
  const socketCount = Math.ceil(IDLE / IDLE_PER_SOCKET);
  const sockets = await openMany(socketCount, (i) =>
    subscriber(urlC.replace('http', 'ws'), token, threadId, () => (received += 1), Math.min(IDLE_PER_SOCKET, IDLE - i * IDLE_PER_SOCKET)),
  );
  await sleep(3000);
  const bytes = ((rssKb(pid) - rssBefore) * 1024) / IDLE;
  console.log(
    `idle ${IDLE} subscriptions: ${(bytes / 1024).toFixed(1)} kB (${Math.round(bytes)} bytes) of server RSS per idle subscription` +
      ` (${socketCount} sockets, ${IDLE_PER_SOCKET} subscriptions each; goal ≤ 30 kB: ${bytes <= 30 * 1024 ? 'met' : 'NOT met'})`,
  );
  const t0 = performance.now();
  await send(urlC, body);
  while (received < IDLE) {
    if (performance.now() - t0 > 60_000) throw new Error(`idle ${IDLE}: only ${received} received after 60 s`);
    await sleep(5);
  }
  console.log(`idle ${IDLE} subscriptions: one message reached all of them in ${fmt(performance.now() - t0)}`);
  await closeAll(sockets);
}

/** 2. Fan-out through Tmates and 3. the raw `ws` baseline. */
async function fanout(urlA: string, urlB: string, token: string, threadId: string, send: (url: string, body: string) => Promise<unknown>, body: string, pidB: number, children: ChildProcess[]) {
    const wsA = urlA.replace('http', 'ws');

    // 2. Fan-out through Tmates, and 3. the raw ws baseline with the same payload size and client count.
    const raw = spawn(process.execPath, ['--import', 'tsx/esm', path.resolve('bench/raw-ws-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(raw);
    const rawPort = await new Promise<number>((resolve) => raw.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    const payloadBytes = Buffer.byteLength(
      JSON.stringify({ id: '1', type: 'next', payload: { data: { threadEvents: { __typename: 'MessageEvent', cursor: '123', message: { id: 'TWVzc2FnZTo5ZjRmYjE4Zi0wN2ZiLTRiZTMtOTc5Ny0wNjk0ZDgzMzdhZTE=', seq: 123, body, status: 'COMPLETE', authorKind: 'USER', createdAt: new Date().toISOString() } } } } }),
    );

    // Memory per idle subscription, on process B, which has held no subscriptions yet.
    {
      const n = Math.max(...FANOUT.filter((x) => x <= 5000), 1000);
      const rssBefore = rssKb(pidB);
      const idle = await openMany(n, () => subscriber(urlB.replace('http', 'ws'), token, threadId, () => {}));
      await sleep(2000);
      const perSubKb = (rssKb(pidB) - rssBefore) / n;
      console.log(`memory: ${perSubKb.toFixed(1)} kB of server RSS per idle subscription (${n} sockets, one subscription each)`);
      await closeAll(idle);
    }

    for (const n of FANOUT) {
      let received = 0;
      const sockets = await openMany(n, () => subscriber(wsA, token, threadId, () => (received += 1)));
      await sleep(1500);
      const lastTimes: number[] = [];
      for (let e = 0; e < EVENTS; e += 1) {
        received = 0;
        const t0 = performance.now();
        await send(urlB, body);
        while (received < n) {
          if (performance.now() - t0 > 30_000) throw new Error(`fan-out ${n}: only ${received} received after 30 s`);
          await sleep(1);
        }
        lastTimes.push(performance.now() - t0);
        await sleep(100);
      }
      await closeAll(sockets);
      lastTimes.sort((x, y) => x - y);

      let rawReceived = 0;
      const rawSockets = await openMany(n, () =>
        new Promise<WebSocket>((resolve, reject) => {
          const s = new WebSocket(`ws://127.0.0.1:${rawPort}`, { perMessageDeflate: false });
          s.on('open', () => resolve(s));
          s.on('message', () => (rawReceived += 1));
          s.on('error', reject);
        }),
      );
      await sleep(500);
      const rawTimes: number[] = [];
      for (let e = 0; e < EVENTS; e += 1) {
        rawReceived = 0;
        const t0 = performance.now();
        await fetch(`http://127.0.0.1:${rawPort}/broadcast?bytes=${payloadBytes}`, { method: 'POST' });
        while (rawReceived < n) await sleep(1);
        rawTimes.push(performance.now() - t0);
        await sleep(100);
      }
      await closeAll(rawSockets);
      rawTimes.sort((x, y) => x - y);
      const ratio = (p: number) => (percentile(lastTimes, p) / percentile(rawTimes, p)).toFixed(2);
      console.log(
        `fan-out ${String(n).padStart(6)} subscriptions: last receives p50 ${fmt(percentile(lastTimes, 50))}  p95 ${fmt(percentile(lastTimes, 95))}` +
          `  | raw ws baseline p50 ${fmt(percentile(rawTimes, 50))}  p95 ${fmt(percentile(rawTimes, 95))}` +
          `  | ratio p50 ${ratio(50)}×  p95 ${ratio(95)}× (goal p95 ≤ 2×)`,
      );
      await sleep(1000);
    }
}

await main();
