/**
 * Realtime benchmark (npm run bench:realtime). Starts an embedded PostgreSQL and two `tmates serve`
 * processes on it, then measures, with real WebSocket clients speaking graphql-transport-ws:
 *   1. sendMessage → subscriber latency, subscriber on the same process and on the other one;
 *   2. fan-out of one message to N concurrent subscriptions (one socket each): time until the
 *      last subscriber has it, for N = 1,000 / 5,000 / 7,500 / 10,000 (sent through B, subscribers on A),
 *      and server memory per idle subscription (measured on B before any fan-out);
 *   3. the same fan-out from a bare `ws` server broadcasting a payload of the same size (baseline).
 * Options: --latency-samples 200 --fanout 1000,5000,7500,10000 --events 10
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
  },
});
const SAMPLES = Number(values['latency-samples']);
const FANOUT = values.fanout!.split(',').map(Number);
const EVENTS = Number(values.events);

const SUBSCRIPTION = `subscription($id: ID!) { threadEvents(threadId: $id) { __typename cursor ... on MessageEvent { message { id seq body status authorKind createdAt } } } }`;

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);


/** A minimal graphql-transport-ws subscriber: cheap enough to open ten thousand from one process. */
function subscriber(wsUrl: string, token: string, threadId: string, onEvent: () => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: threadId } } }));
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

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-bench-rt-'));
  chmodSync(home, 0o755);
  const cluster = await startEmbeddedPostgres({ home, ephemeral: true, logger: createLogger('warn') });
  const env: Record<string, string> = { DATABASE_URL: cluster.url, PORT: '0', LOG_LEVEL: 'warn', TMATES_SECRET: 'bench-secret-bench-secret-bench-secret-42' };
  if (process.env.BENCH_PROFILE) env.NODE_ARGS = `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}`;
  if (process.env.BENCH_NODE_ARGS) env.NODE_ARGS = process.env.BENCH_NODE_ARGS;
  const servers = [spawnTmates(['serve', '--no-worker'], env), spawnTmates(['serve', '--no-worker'], env)];
  const children: ChildProcess[] = servers.map((s) => s.child);
  try {
    const urls: string[] = [];
    for (const s of servers) urls.push((await s.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/, 120_000))[1]!);
    const [urlA, urlB] = urls as [string, string];
    const wsA = urlA.replace('http', 'ws');

    const signUp = await gql(urlA, '', 'mutation { signUp(input: { email: "bench@example.com", password: "bench-password-1", displayName: "Bench" }) { ... on AuthPayload { token } } }');
    const token = signUp.signUp.token as string;
    const threads = await gql(urlA, token, '{ threads { edges { node { id isDefault } } } }');
    const threadId = threads.threads.edges.find((e: any) => e.node.isDefault).node.id as string;
    const send = (url: string, body: string) =>
      gql(url, token, 'mutation($id: ID!, $b: String!) { sendMessage(input: { threadId: $id, body: $b }) { __typename } }', { id: threadId, b: body });
    const body = 'The quarterly numbers are in: revenue up 12%, churn down to 3.1%. Details on the pinboard.';

    console.log(`Tmates realtime benchmark — ${os.cpus().length} cores, node ${process.version}, PostgreSQL LISTEN/NOTIFY relay`);

    // 1. Latency: one subscriber, messages sent one at a time through process A, then process B.
    let resolveEvent: (() => void) | undefined;
    const latencySocket = await subscriber(wsA, token, threadId, () => resolveEvent?.());
    await sleep(300);
    for (const [label, url] of [['same process (send A → subscriber A)', urlA], ['across processes (send B → subscriber A)', urlB]] as const) {
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
      const rssBefore = rssKb(servers[1]!.child.pid!);
      const idle = await openMany(n, () => subscriber(urlB.replace('http', 'ws'), token, threadId, () => {}));
      await sleep(2000);
      const perSubKb = (rssKb(servers[1]!.child.pid!) - rssBefore) / n;
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
      console.log(
        `fan-out ${String(n).padStart(6)} subscriptions: last receives p50 ${fmt(percentile(lastTimes, 50))}  p95 ${fmt(percentile(lastTimes, 95))}` +
          `  | raw ws baseline p50 ${fmt(percentile(rawTimes, 50))}  p95 ${fmt(percentile(rawTimes, 95))}`,
      );
      await sleep(1000);
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.exited));
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
