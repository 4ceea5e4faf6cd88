/**
 * Agent-turn benchmark (npm run bench:turns). An embedded PostgreSQL (durable, like `npm start`;
 * --ephemeral turns fsync off) and a fake model that answers at once over the OpenAI wire protocol
 * (streamed, in this process), then:
 *   1. job pickup latency: graphile-worker `add_job` committed → task start, on a worker running
 *      in this process with the real task list (sequential samples, then bursts of 20);
 *   2. `sendMessage` → first MessageDeltaEvent and → final MessageEvent at a graphql-ws subscriber,
 *      against a `tmates serve` child process (API + worker, the default installation), one turn at a time;
 *   3. sustained turns per second: 200 threads, each sending its next message as soon as the
 *      previous answer is complete, for --seconds.
 * Options: --samples 200 --threads 200 --seconds 15 --concurrency 32 --ephemeral
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { z } from 'zod';
import { startApp } from '../src/app.ts';
import { parseConfig } from '../src/config/config.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { defineTask } from '../src/jobs/define-task.ts';
import { addJob } from '../src/repositories/jobs.ts';
import { tasks as defaultTasks } from '../src/jobs/task-list.ts';
import { createLogger } from '../src/logger.ts';
import type { AppServices } from '../src/core/context.ts';
import { startFakeOpenAI } from '../test/helpers/fake-openai.ts';
import { spawnTmates } from '../test/helpers/process.ts';
import { fmt, gql, percentile, sleep } from './common.ts';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '200' },
    threads: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '32' },
    'local-queue': { type: 'string', default: '0' },
    ephemeral: { type: 'boolean', default: false },
  },
});
const SAMPLES = Number(values.samples);
const THREADS = Number(values.threads);
const SECONDS = Number(values.seconds);
const CONCURRENCY = values.concurrency!;

/** CPU time (user + system, ms) used so far by a process and, with `children`, its direct children. */
function cpuMs(pid: number, children = false): number {
  const ticks = (p: number) => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return 0;
    }
  };
  let total = ticks(pid);
  if (children) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid) total += ticks(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
  }
  return (total * 1000) / 100; // USER_HZ
}

const stats = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${fmt(percentile(sorted, 50))}  p95 ${fmt(percentile(sorted, 95))}  p99 ${fmt(percentile(sorted, 99))}  (n=${sorted.length})`;
};


const EVENTS = `subscription($id: ID!) { threadEvents(threadId: $id) { __typename ... on MessageEvent { message { status authorKind } } ... on MessageDeltaEvent { offset } } }`;

/** One graphql-transport-ws socket subscribed to a thread; calls back on first deltas and completed replies. */
function watch(wsUrl: string, token: string, threadId: string, on: { delta(): void; complete(): void }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: any };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: EVENTS, variables: { id: threadId } } }));
        resolve(socket);
      } else if (message.type === 'next') {
        const event = message.payload.data.threadEvents;
        if (event.__typename === 'MessageDeltaEvent' && event.offset === 0) on.delta();
        if (event.__typename === 'MessageEvent' && event.message.authorKind === 'TEAMMATE' && event.message.status === 'COMPLETE') on.complete();
      } else if (message.type === 'error') reject(new Error(String(data)));
    });
    socket.on('error', reject);
  });
}

async function measurePickup(databaseUrl: string): Promise<void> {
  const started = new Map<string, (at: number) => void>();
  const noop = defineTask<AppServices, z.ZodObject<{ id: z.ZodString }>>({
    name: 'bench__noop',
    payload: z.object({ id: z.string() }),
    run: async ({ id }) => started.get(id)?.(performance.now()),
  });
  const config = parseConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', WORKER_CONCURRENCY: CONCURRENCY, DATABASE_POOL_SIZE: '20', WORKER_LOCAL_QUEUE_SIZE: values['local-queue']!, TMATES_SECRET: 'bench-secret-bench-secret-bench-secret-42' });
  const app = await startApp({ config, logger: createLogger('warn'), http: false, worker: true, tasks: [...defaultTasks, noop as never] });
  try {
    const once = async (id: string) => {
      const picked = new Promise<number>((resolve) => started.set(id, resolve));
      const t0 = performance.now();
      await addJob(app.services.db, noop, { id });
      return (await picked) - t0;
    };
    for (let i = 0; i < 20; i += 1) await once(`warm-${i}`);
    const sequential: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      sequential.push(await once(`seq-${i}`));
      await sleep(2);
    }
    console.log(`job pickup, add_job → task start, one at a time          ${stats(sequential)}`);
    const burst: number[] = [];
    for (let b = 0; b < Math.ceil(SAMPLES / 20); b += 1) {
      burst.push(...(await Promise.all(Array.from({ length: 20 }, (_, i) => once(`burst-${b}-${i}`)))));
      await sleep(20);
    }
    console.log(`job pickup, add_job → task start, bursts of 20           ${stats(burst)}`);
  } finally {
    await app.stop('bench');
  }
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-bench-turns-'));
  chmodSync(home, 0o755);
  const cluster = await startEmbeddedPostgres({ home, ephemeral: values.ephemeral, logger: createLogger('warn') });
  const fake = await startFakeOpenAI();
  console.log(
    `Tmates agent-turn benchmark — ${os.cpus().length} cores, node ${process.version}, ${values.ephemeral ? 'ephemeral' : 'durable'} embedded PostgreSQL, ` +
      `fake model answering at once, WORKER_CONCURRENCY=${CONCURRENCY}`,
  );
  await measurePickup(cluster.url);

  const env: Record<string, string> = {
    DATABASE_URL: cluster.url,
    PORT: '0',
    LOG_LEVEL: 'warn',
    TMATES_SECRET: 'bench-secret-bench-secret-bench-secret-42',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'bench',
    WORKER_CONCURRENCY: CONCURRENCY,
    WORKER_LOCAL_QUEUE_SIZE: values['local-queue']!,
    DATABASE_POOL_SIZE: '20',
  };
  if (process.env.BENCH_NODE_ARGS) env.NODE_ARGS = process.env.BENCH_NODE_ARGS;
  const server = spawnTmates(['serve'], env);
  const sockets: WebSocket[] = [];
  try {
    const url = (await server.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/, 120_000))[1]!;
    const wsUrl = url.replace('http', 'ws');
    const signUp = await gql(url, '', 'mutation { signUp(input: { email: "turns@example.com", password: "bench-password-1", displayName: "Bench" }) { ... on AuthPayload { token } } }');
    const token = signUp.signUp.token as string;
    const teammates = await gql(url, token, '{ teammates { edges { node { id } } } }');
    const noor = teammates.teammates.edges[0].node.id as string;
    const threadIds: string[] = [];
    for (let i = 0; i < THREADS; i += 1) {
      const created = await gql(url, token, 'mutation($t: [ID!]!, $title: String) { createThread(input: { kind: TEAM, teammateIds: $t, title: $title }) { ... on CreateThreadPayload { thread { id } } } }', {
        t: [noor],
        title: `Bench ${i}`,
      });
      threadIds.push(created.createThread.thread.id);
    }
    const send = (threadId: string, body: string) =>
      gql(url, token, 'mutation($id: ID!, $b: String!) { sendMessage(input: { threadId: $id, body: $b }) { __typename } }', { id: threadId, b: body });

    // 2. Latency of one turn at a time, rotating over threads so transcripts stay short.
    const waiters = new Map<string, { delta?: () => void; complete?: () => void }>();
    for (let i = 0; i < threadIds.length; i += 50) {
      sockets.push(
        ...(await Promise.all(
          threadIds.slice(i, i + 50).map((id) => watch(wsUrl, token, id, { delta: () => waiters.get(id)?.delta?.(), complete: () => waiters.get(id)?.complete?.() })),
        )),
      );
    }
    await sleep(500);
    const firstDelta: number[] = [];
    const final: number[] = [];
    for (let i = 0; i < SAMPLES + 20; i += 1) {
      const id = threadIds[i % threadIds.length]!;
      const t0 = performance.now();
      const gotDelta = new Promise<number>((r) => waiters.set(id, { ...waiters.get(id), delta: () => r(performance.now() - t0) }));
      const gotFinal = new Promise<number>((r) => waiters.set(id, { ...waiters.get(id), complete: () => r(performance.now() - t0) }));
      await send(id, `Quick question number ${i}: what is next on the plan?`);
      const [d, f] = await Promise.all([gotDelta, gotFinal]);
      if (i >= 20) {
        firstDelta.push(d);
        final.push(f);
      }
    }
    waiters.clear();
    console.log(`sendMessage → first delta at a subscriber                 ${stats(firstDelta)}`);
    console.log(`sendMessage → final message at a subscriber               ${stats(final)}`);

    // 3. Throughput: every thread sends its next message as soon as its previous answer is in.
    let completed = 0;
    let running = true;
    const loops = threadIds.map(async (id, n) => {
      let turn = 0;
      while (running) {
        const done = new Promise<void>((r) => waiters.set(id, { complete: r }));
        await send(id, `Load message ${n}/${turn++}`);
        await done;
        completed += 1;
      }
    });
    await sleep(2_000); // warm up
    const postmaster = Number(readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cpu = () => ({ server: cpuMs(server.child.pid!), postgres: cpuMs(postmaster, true), bench: cpuMs(process.pid) });
    const cpuBefore = cpu();
    const startCount = completed;
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const turns = completed - startCount;
    const elapsed = (performance.now() - t0) / 1000;
    const cpuAfter = cpu();
    running = false;
    await Promise.all(loops);
    console.log(`sustained turns with ${THREADS} concurrent threads            ${(turns / elapsed).toFixed(1)} turns/s (${turns} turns in ${elapsed.toFixed(1)} s)`);
    const per = (k: keyof typeof cpuBefore) => ((cpuAfter[k] - cpuBefore[k]) / turns).toFixed(2);
    console.log(`CPU per turn: tmates serve ${per('server')} ms, PostgreSQL ${per('postgres')} ms, this benchmark (clients + fake model) ${per('bench')} ms`);
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: cluster.url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from runs where status in ('queued', 'running')`);
    const failed = await client.query<{ n: string }>(`select count(*) as n from runs where status = 'failed'`);
    await client.end();
    console.log(`after the run: ${rows[0]!.n} runs queued or running, ${failed.rows[0]!.n} failed`);
  } finally {
    for (const socket of sockets) socket.close();
    server.child.kill('SIGTERM');
    await server.exited;
    await fake.close();
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
