/**
 * Agent-turn benchmark (npm run bench:turns). An embedded PostgreSQL (durable, like `npm start`;
 * --ephemeral turns fsync off) and a fake model that answers at once over the OpenAI wire protocol
 * (streamed, in this process), then:
 *   1. job pickup latency: graphile-worker `add_job` committed → task start, on a worker running
 *      in this process with the real task list (sequential samples, then bursts of 20);
 *   2. `sendMessage` → first MessageDeltaEvent and → final MessageEvent at a graphql-ws subscriber,
 *      against a `tmates serve` child process (API + worker, the default installation), one turn at a time;
 *   3. sustained turns per second: 200 threads, each sending its next message as soon as the
 *      previous answer is complete, for --seconds, with per turn: Node CPU of the `tmates serve`
 *      process (API + worker; /proc/<pid>/stat utime+stime), PostgreSQL CPU (postmaster and every
 *      backend, /proc utime+stime summed before and after) and SQL round trips (every `pg`
 *      `Client#query` call in the server process — API, event bus and graphile-worker's
 *      get_job/add_job/complete_job alike — counted by the `bench/count-queries.mjs` preload).
 *
 * With --baseline-ref <commit> (e.g. 87c7fb3) step 3 runs side by side against that commit: its
 * tree is exported (git archive) to os.tmpdir()/tmates-baseline-<sha> with node_modules symlinked
 * from this checkout (reused by later runs), both servers run on the same embedded PostgreSQL
 * (one database each, each migrated by its own code), and the rounds alternate old/new
 * (--rounds pairs: old new old new…), only one side loaded at a time. Ratios new/old are printed.
 * Options: --samples 200 --threads 200 --seconds 15 --concurrency 32 --ephemeral
 *          --baseline-ref <ref> --rounds 2 --sustained-only (skip steps 1 and 2) --idle-seconds 5
 * Each side's idle cost (no turns: worker polling, heartbeats) is measured too and the figures are
 * printed again less it — on a slow or shared host the fixed cost per second otherwise dominates.
 */
import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
import { fmt, gql, percentile, sleep } from './common.ts';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '200' },
    threads: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '32' },
    'local-queue': { type: 'string', default: '0' },
    ephemeral: { type: 'boolean', default: false },
    'baseline-ref': { type: 'string' },
    rounds: { type: 'string', default: '2' },
    'sustained-only': { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '5' },
  },
});
const SAMPLES = Number(values.samples);
const THREADS = Number(values.threads);
const SECONDS = Number(values.seconds);
const CONCURRENCY = values.concurrency!;
const ROUNDS = Number(values.rounds);
const IDLE_SECONDS = Number(values['idle-seconds']);
const ROOT = path.resolve(import.meta.dirname, '..');
const COUNT_QUERIES = path.join(ROOT, 'bench', 'count-queries.mjs');

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


/** Set when the benchmark closes its sockets (a close before is reported). */
let closing = false;

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
    socket.on('close', (code, reason) => {
      if (!closing) console.error(`a subscriber's socket closed: ${code} ${String(reason)}`);
    });
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

/**
 * The tree of `ref` exported to os.tmpdir()/tmates-baseline-<sha>, node_modules a symlink to this
 * checkout's (same packages, so the query counter patches the module the baseline loads). Reused
 * when it exists already.
 */
function baselineCheckout(ref: string): { dir: string; sha: string } {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = path.join(os.tmpdir(), `tmates-baseline-${sha.slice(0, 12)}`);
  if (!existsSync(path.join(dir, '.exported'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execSync(`git archive ${sha} | tar -x -C ${JSON.stringify(dir)}`, { cwd: ROOT });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, '.exported'), `${sha}\n`);
  }
  // A copy made from another checkout links to that one's packages: point it at this one's.
  const link = path.join(dir, 'node_modules');
  if (readlinkSync(link) !== path.join(ROOT, 'node_modules')) {
    rmSync(link, { force: true });
    symlinkSync(path.join(ROOT, 'node_modules'), link);
  }
  return { dir, sha };
}

interface Server {
  child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray>;
  exited: Promise<void>;
}

/** `tmates serve` of the checkout at `root` as a child process, with the query counter preloaded. */
function spawnServe(root: string, env: Record<string, string>): Server {
  const nodeArgs = ['--import', COUNT_QUERIES, ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [])];
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin', 'tmates.js'), 'serve'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const append = (d: Buffer) => {
    out += d.toString();
    waiters.splice(0).forEach((w) => w());
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => child.on('exit', () => (waiters.splice(0).forEach((w) => w()), resolve())));
  return {
    child,
    output: () => out,
    exited,
    waitFor: (pattern, ms) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}\n${out}`)), ms);
        const check = () => {
          const match = out.match(pattern);
          if (match) {
            clearTimeout(timer);
            resolve(match);
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`tmates serve exited (${child.exitCode}) before ${pattern}\n${out}`));
          } else waiters.push(check);
        };
        check();
      }),
  };
}

/** One installation under test: a checkout's `tmates serve` on its own database, signed in, with threads and subscribers. */
interface Side {
  label: string;
  server: Server;
  url: string;
  token: string;
  threadIds: string[];
  sockets: WebSocket[];
  waiters: Map<string, { delta?: () => void; complete?: () => void }>;
  countFile: string;
  home: string;
  send(threadId: string, body: string): Promise<unknown>;
}

async function startSide(label: string, root: string, databaseUrl: string, fakeBaseUrl: string): Promise<Side> {
  const home = mkdtempSync(path.join(os.tmpdir(), `tmates-bench-turns-${label}-`));
  // With TMATES_COUNT_QUERIES_TEXTS=1 the statement texts are kept after the run: os.tmpdir()/tmates-bench-queries-<label>.txt.texts
  const texts = process.env.TMATES_COUNT_QUERIES_TEXTS === '1';
  const countFile = texts ? path.join(os.tmpdir(), `tmates-bench-queries-${label}.txt`) : path.join(home, 'queries.txt');
  const server = spawnServe(root, {
    DATABASE_URL: databaseUrl,
    TMATES_HOME: home,
    PORT: '0',
    LOG_LEVEL: 'warn',
    SERVE_WEB: 'false',
    TMATES_SECRET: 'bench-secret-bench-secret-bench-secret-42',
    OPENAI_BASE_URL: fakeBaseUrl,
    OPENAI_API_KEY: 'bench',
    WORKER_CONCURRENCY: CONCURRENCY,
    WORKER_LOCAL_QUEUE_SIZE: values['local-queue']!,
    DATABASE_POOL_SIZE: '20',
    // One benchmark user sends thousands of messages a minute: the per-person write limit would stop it.
    RATE_LIMITS: 'false',
    TMATES_COUNT_QUERIES_FILE: countFile,
    TMATES_COUNT_QUERIES_FROM: ROOT,
    ...(texts ? { TMATES_COUNT_QUERIES_TEXTS: '1' } : {}),
  });
  const url = (await server.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/, 180_000))[1]!;
  console.error(`[${label}] tmates serve is up at ${url}; creating ${THREADS} threads`);
  const wsUrl = url.replace('http', 'ws');
  const signUp = await gql(url, '', `mutation { signUp(input: { email: "turns-${label}@example.com", password: "bench-password-1", displayName: "Bench" }) { ... on AuthPayload { token } } }`);
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
  const waiters: Side['waiters'] = new Map();
  const sockets: WebSocket[] = [];
  for (let i = 0; i < threadIds.length; i += 50) {
    sockets.push(
      ...(await Promise.all(
        threadIds.slice(i, i + 50).map((id) => watch(wsUrl, token, id, { delta: () => waiters.get(id)?.delta?.(), complete: () => waiters.get(id)?.complete?.() })),
      )),
    );
  }
  const send = async (threadId: string, body: string) => {
    const result = await gql(url, token, 'mutation($id: ID!, $b: String!) { sendMessage(input: { threadId: $id, body: $b }) { __typename ... on Error { message } } }', { id: threadId, b: body });
    // A typed error starts no turn: waiting for its answer would wait forever.
    if (result.sendMessage.__typename !== 'SendMessagePayload') throw new Error(`sendMessage (${label}): ${JSON.stringify(result.sendMessage)}`);
    return result;
  };
  return { label, server, url, token, threadIds, sockets, waiters, countFile, home, send };
}

/** SQL round trips the side's server has made so far (asks the preload for its count and waits for the answer). */
async function queriesOf(side: Side): Promise<number> {
  const read = () => {
    try {
      const [seq, count] = readFileSync(side.countFile, 'utf8').trim().split(' ').map(Number);
      return { seq: seq!, count: count! };
    } catch {
      return { seq: 0, count: 0 };
    }
  };
  const before = read().seq;
  side.server.child.kill('SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = read();
    if (now.seq > before) return now.count;
    if (Date.now() > deadline) throw new Error(`no query count from ${side.label} (was it started with bench/count-queries.mjs?)`);
    await sleep(2);
  }
}

async function measureLatency(side: Side): Promise<void> {
  const { waiters, threadIds } = side;
  const firstDelta: number[] = [];
  const final: number[] = [];
  for (let i = 0; i < SAMPLES + 20; i += 1) {
    const id = threadIds[i % threadIds.length]!;
    const t0 = performance.now();
    const gotDelta = new Promise<number>((r) => waiters.set(id, { ...waiters.get(id), delta: () => r(performance.now() - t0) }));
    const gotFinal = new Promise<number>((r) => waiters.set(id, { ...waiters.get(id), complete: () => r(performance.now() - t0) }));
    await side.send(id, `Quick question number ${i}: what is next on the plan?`);
    const [d, f] = await Promise.all([gotDelta, gotFinal]);
    if (i >= 20) {
      firstDelta.push(d);
      final.push(f);
    }
  }
  waiters.clear();
  console.log(`sendMessage → first delta at a subscriber                 ${stats(firstDelta)}`);
  console.log(`sendMessage → final message at a subscriber               ${stats(final)}`);
}

interface Round {
  turns: number;
  seconds: number;
  serverMs: number;
  postgresMs: number;
  benchMs: number;
  queries: number;
}

/**
 * Every thread of `side` sends its next message as soon as its previous answer is in; after
 * `warmupMs`, counts turns, CPU and SQL round trips for `seconds`. Ends when every loop has ended.
 */
async function sustained(side: Side, postmaster: number, seconds: number, warmupMs: number): Promise<Round> {
  let completed = 0;
  let running = true;
  const loops = side.threadIds.map(async (id, n) => {
    let turn = 0;
    while (running) {
      const done = new Promise<void>((r) => side.waiters.set(id, { complete: r }));
      await side.send(id, `Load message ${n}/${turn++}`);
      await done;
      completed += 1;
    }
  });
  await sleep(warmupMs);
  const cpu = () => ({ server: cpuMs(side.server.child.pid!), postgres: cpuMs(postmaster, true), bench: cpuMs(process.pid) });
  const queriesBefore = await queriesOf(side);
  const cpuBefore = cpu();
  const startCount = completed;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const turns = completed - startCount;
  const elapsed = (performance.now() - t0) / 1000;
  const cpuAfter = cpu();
  const queriesAfter = await queriesOf(side);
  running = false;
  await Promise.all(loops);
  side.waiters.clear();
  return {
    turns,
    seconds: elapsed,
    serverMs: cpuAfter.server - cpuBefore.server,
    postgresMs: cpuAfter.postgres - cpuBefore.postgres,
    benchMs: cpuAfter.bench - cpuBefore.bench,
    queries: queriesAfter - queriesBefore,
  };
}

/**
 * What a side costs with no turns at all (graphile-worker polling, heartbeats, sweeps), over
 * `seconds`: subtracted from a round's figures for the cost of the turns themselves, which on a slow
 * or shared host is otherwise drowned by the fixed cost per second.
 */
async function idle(side: Side, postmaster: number, seconds: number): Promise<Round> {
  const cpu = () => ({ server: cpuMs(side.server.child.pid!), postgres: cpuMs(postmaster, true), bench: cpuMs(process.pid) });
  const queriesBefore = await queriesOf(side);
  const before = cpu();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const after = cpu();
  const queriesAfter = await queriesOf(side);
  return {
    turns: 0,
    seconds: elapsed,
    serverMs: after.server - before.server,
    postgresMs: after.postgres - before.postgres,
    benchMs: after.bench - before.bench,
    queries: queriesAfter - queriesBefore,
  };
}

/** A round less the idle cost of as many seconds. */
function netOf(round: Round, idleRound: Round): Round {
  const k = round.seconds / idleRound.seconds;
  return {
    ...round,
    serverMs: Math.max(0, round.serverMs - idleRound.serverMs * k),
    postgresMs: Math.max(0, round.postgresMs - idleRound.postgresMs * k),
    benchMs: Math.max(0, round.benchMs - idleRound.benchMs * k),
    queries: Math.max(0, round.queries - idleRound.queries * k),
  };
}

const total = (rounds: Round[]): Round =>
  rounds.reduce((a, r) => ({
    turns: a.turns + r.turns,
    seconds: a.seconds + r.seconds,
    serverMs: a.serverMs + r.serverMs,
    postgresMs: a.postgresMs + r.postgresMs,
    benchMs: a.benchMs + r.benchMs,
    queries: a.queries + r.queries,
  }));

const perTurn = (r: Round) => ({
  rate: r.turns / r.seconds,
  node: r.serverMs / r.turns,
  postgres: r.postgresMs / r.turns,
  cpu: (r.serverMs + r.postgresMs) / r.turns,
  bench: r.benchMs / r.turns,
  queries: r.queries / r.turns,
});

function describe(label: string, r: Round): string {
  const p = perTurn(r);
  return (
    `${label.padEnd(10)} ${p.rate.toFixed(1).padStart(7)} turns/s (${r.turns} turns in ${r.seconds.toFixed(1)} s)  CPU per turn: Node ${p.node.toFixed(2)} ms + PostgreSQL ${p.postgres.toFixed(2)} ms = ` +
    `${p.cpu.toFixed(2)} ms  SQL round trips per turn ${p.queries.toFixed(1)}  (this benchmark: clients + fake model ${p.bench.toFixed(2)} ms)`
  );
}

async function afterTheRun(databaseUrl: string, label: string): Promise<void> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ n: string }>(`select count(*) as n from runs where status in ('queued', 'running')`);
  const failed = await client.query<{ n: string }>(`select count(*) as n from runs where status = 'failed'`);
  await client.end();
  console.log(`after the run (${label}): ${rows[0]!.n} runs queued or running, ${failed.rows[0]!.n} failed`);
}

/** A database of its own for one side, in the benchmark's cluster. */
async function createDatabase(clusterUrl: string, name: string): Promise<string> {
  const pg = await import('pg');
  const client = new pg.default.Client({ connectionString: clusterUrl });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-bench-turns-'));
  chmodSync(home, 0o755);
  const baseline = values['baseline-ref'] ? baselineCheckout(values['baseline-ref']) : undefined;
  const cluster = await startEmbeddedPostgres({ home, ephemeral: values.ephemeral, logger: createLogger('warn') });
  const fake = await startFakeOpenAI();
  console.log(
    `Tmates agent-turn benchmark — ${os.cpus().length} cores, node ${process.version}, ${values.ephemeral ? 'ephemeral' : 'durable'} embedded PostgreSQL, ` +
      `fake model answering at once, WORKER_CONCURRENCY=${CONCURRENCY}`,
  );
  if (!values['sustained-only']) await measurePickup(cluster.url);

  const sides: Side[] = [];
  const urls = new Map<Side, string>();
  try {
    const startOne = async (label: string, root: string) => {
      const url = await createDatabase(cluster.url, `bench_${label}`);
      const side = await startSide(label, root, url, fake.baseUrl);
      sides.push(side);
      urls.set(side, url);
      return side;
    };
    const current = await startOne('new', ROOT);
    const old = baseline ? await startOne('old', baseline.dir) : undefined;
    await sleep(500);
    if (!values['sustained-only']) await measureLatency(current);

    // 3. Throughput, CPU and round trips per turn; with a baseline, rounds alternate old, new, old, new…
    const postmaster = Number(readFileSync(path.join(cluster.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const order = old ? [old, current] : [current];
    for (const side of order) await sustained(side, postmaster, 2, 1_000); // warm both before measuring
    const idleOf = new Map<Side, Round>();
    for (const side of order) {
      const cost = await idle(side, postmaster, IDLE_SECONDS);
      idleOf.set(side, cost);
      console.log(
        `idle ${side.label}: ${(cost.queries / cost.seconds).toFixed(1)} SQL round trips/s, Node ${(cost.serverMs / cost.seconds).toFixed(1)} ms/s, ` +
          `PostgreSQL ${(cost.postgresMs / cost.seconds).toFixed(1)} ms/s (no turns, ${cost.seconds.toFixed(1)} s)`,
      );
    }
    const rounds = new Map<Side, Round[]>(order.map((s) => [s, []]));
    const count = old ? ROUNDS : 1;
    for (let r = 0; r < count; r += 1) {
      for (const side of order) {
        const round = await sustained(side, postmaster, SECONDS, 2_000);
        rounds.get(side)!.push(round);
        console.log(describe(`round ${r + 1} ${side.label}`, round).replace(/\s+\(this benchmark.*$/, ''));
      }
    }
    console.log(`sustained turns with ${THREADS} concurrent threads${old ? `, ${count} alternating rounds of ${SECONDS} s each (old = ${baseline!.sha.slice(0, 7)}):` : ':'}`);
    for (const side of order) console.log(describe(side.label, total(rounds.get(side)!)));
    console.log('the same less each side\'s idle cost over as many seconds (the turns\' own cost):');
    const net = (side: Side) => netOf(total(rounds.get(side)!), idleOf.get(side)!);
    for (const side of order) console.log(describe(`${side.label} net`, net(side)));
    if (old) {
      const ratios = (label: string, n: ReturnType<typeof perTurn>, o: ReturnType<typeof perTurn>) =>
        console.log(
          `ratios new/old${label}: turns/s ${(n.rate / o.rate).toFixed(2)}×, CPU per turn ${(n.cpu / o.cpu).toFixed(2)} (Node ${(n.node / o.node).toFixed(2)}, PostgreSQL ${(n.postgres / o.postgres).toFixed(2)}), ` +
            `SQL round trips per turn ${(n.queries / o.queries).toFixed(2)}`,
        );
      ratios('', perTurn(total(rounds.get(current)!)), perTurn(total(rounds.get(old)!)));
      ratios(' (net of idle)', perTurn(net(current)), perTurn(net(old)));
    }
    for (const side of sides) await afterTheRun(urls.get(side)!, side.label);
  } finally {
    closing = true;
    for (const side of sides) {
      for (const socket of side.sockets) socket.close();
      side.server.child.kill('SIGTERM');
      await side.server.exited;
      rmSync(side.home, { recursive: true, force: true });
    }
    await fake.close();
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
