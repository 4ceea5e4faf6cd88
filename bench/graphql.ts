/**
 * GraphQL overhead per request (npm run bench:graphql). One embedded PostgreSQL, then two servers,
 * each its own process:
 *   * the API as `npm start` runs it (`tmates serve`: Yoga + Pothos, API and worker, default
 *     settings, LOG_LEVEL=info);
 *   * a bare `node:http` + `pg` handler doing the minimal work for the same answer
 *     (bench/bare-viewer-server.ts: parse the body, verify the token the same way, run the same
 *     statement for the user and their memberships).
 * A signed-in `{ viewer { user { id } } }` is POSTed with a bearer token over keep-alive connections
 * by autocannon at a fixed concurrency. After a warm-up of each, rounds alternate the two targets;
 * each target's figures are the median over its rounds. Prints p50/p95/p99 latency and throughput
 * of both, each server process's CPU time per request (user + system, from /proc), and the
 * ratios: the goal is p50 ≤ 1.2× and throughput ≥ 80% of the bare handler's.
 * Options: --connections 10 --seconds 5 --rounds 3 --ephemeral
 * BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to the API process.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { createLogger } from '../src/logger.ts';
import { spawnTmates, type RunningProcess } from '../test/helpers/process.ts';
import { gql, percentile } from './common.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    ephemeral: { type: 'boolean', default: false },
  },
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const SECRET = 'bench-secret-bench-secret-bench-secret-42';
const QUERY = '{ viewer { user { id } } }';

interface Round {
  /** Server process CPU (user + system) per request, µs. */
  cpuUs: number;
  p50: number;
  p95: number;
  p99: number;
  /** Requests per second. */
  rps: number;
}

/** One autocannon run against `url`; every response must be a 200 (else it throws). */
async function load(url: string, pid: number, token: string, seconds: number): Promise<Round> {
  const latencies: number[] = [];
  const cpuBefore = cpuMs(pid);
  let finished!: (result: autocannon.Result) => void;
  let failed!: (error: Error) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => ((finished = resolve), (failed = reject)));
  const instance = autocannon(
    {
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
    },
    (error, result) => (error ? failed(error as Error) : finished(result)),
  );
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await done;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  const cpuUs = ((cpuMs(pid) - cpuBefore) * 1000) / latencies.length;
  latencies.sort((a, b) => a - b);
  return { cpuUs, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), rps: latencies.length / seconds };
}

/** CPU time (user + system, ms) a process has used so far. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = (rounds: Round[]): Round => ({
  cpuUs: median(rounds.map((r) => r.cpuUs)),
  p50: median(rounds.map((r) => r.p50)),
  p95: median(rounds.map((r) => r.p95)),
  p99: median(rounds.map((r) => r.p99)),
  rps: median(rounds.map((r) => r.rps)),
});
const row = (name: string, r: Round) =>
  `${name.padEnd(28)} p50 ${r.p50.toFixed(2).padStart(6)} ms  p95 ${r.p95.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms  ${r.rps.toFixed(0).padStart(6)} req/s  ${r.cpuUs.toFixed(0).padStart(5)} µs CPU/req`;

function spawnBare(databaseUrl: string): { process: ReturnType<typeof spawn>; port: Promise<number> } {
  const script = fileURLToPath(new URL('./bare-viewer-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, TMATES_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /bare listening on (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
  });
  return { process: child, port };
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-bench-graphql-'));
  chmodSync(home, 0o755);
  const cluster = await startEmbeddedPostgres({ home, ephemeral: values.ephemeral, logger: createLogger('warn') });
  console.log(
    `Tmates GraphQL overhead benchmark — ${os.cpus().length} cores, node ${process.version}, ${values.ephemeral ? 'ephemeral' : 'durable'} embedded PostgreSQL, ` +
      `${CONNECTIONS} keep-alive connections (autocannon), ${ROUNDS} alternating rounds of ${SECONDS} s per target`,
  );
  const env: Record<string, string> = { DATABASE_URL: cluster.url, PORT: '0', HOST: '127.0.0.1', TMATES_SECRET: SECRET };
  if (process.env.BENCH_NODE_ARGS) env.NODE_ARGS = process.env.BENCH_NODE_ARGS;
  let api: RunningProcess | undefined;
  let bare: ReturnType<typeof spawnBare> | undefined;
  try {
    api = spawnTmates(['serve'], env);
    const apiUrl = (await api.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/, 120_000))[1]!;
    bare = spawnBare(cluster.url);
    const bareUrl = `http://127.0.0.1:${await bare.port}/graphql`;

    const signUp = await gql(apiUrl, '', 'mutation { signUp(input: { email: "graphql@example.com", password: "bench-password-1", displayName: "Bench" }) { ... on AuthPayload { token } } }');
    const token = signUp.signUp.token as string;
    // Both answer the same thing.
    const [fromApi, fromBare] = [JSON.stringify(await gql(apiUrl, token, QUERY)), JSON.stringify(await gql(bareUrl, token, QUERY))];
    if (fromApi !== fromBare) throw new Error(`the two servers answer differently: ${fromApi} vs ${fromBare}`);
    console.log(`both answer ${fromApi}`);

    const targets = [
      { name: 'bare http + pg', url: bareUrl, pid: bare.process.pid!, rounds: [] as Round[] },
      { name: 'Yoga + Pothos (tmates serve)', url: apiUrl, pid: api.child.pid!, rounds: [] as Round[] },
    ];
    for (const target of targets) await load(target.url, target.pid, token, 3); // warm up (JIT, pools, caches)
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate which goes first, so neither always runs on a fresher machine.
      for (const target of round % 2 ? [...targets].reverse() : targets) target.rounds.push(await load(target.url, target.pid, token, SECONDS));
    }
    for (const target of targets) for (const [i, r] of target.rounds.entries()) console.log(row(`${target.name} #${i + 1}`, r));
    const [b, y] = targets.map((t) => summary(t.rounds)) as [Round, Round];
    console.log('— medians —');
    console.log(row('bare http + pg', b));
    console.log(row('Yoga + Pothos (tmates serve)', y));
    const p50Ratio = y.p50 / b.p50;
    const rpsRatio = y.rps / b.rps;
    console.log(`p50 ratio ${p50Ratio.toFixed(2)}× (goal ≤ 1.20×)  p95 ratio ${(y.p95 / b.p95).toFixed(2)}×  throughput ${(rpsRatio * 100).toFixed(0)}% of bare (goal ≥ 80%)  CPU/req ${(y.cpuUs / b.cpuUs).toFixed(2)}×`);
    console.log(`goals: p50 ${p50Ratio <= 1.2 ? 'met' : 'NOT met'}, throughput ${rpsRatio >= 0.8 ? 'met' : 'NOT met'}`);
  } finally {
    if (bare) {
      bare.process.kill('SIGTERM');
      await new Promise((r) => (bare!.process.exitCode !== null ? r(undefined) : bare!.process.once('exit', r)));
    }
    if (api) {
      api.child.kill('SIGTERM');
      await api.exited;
    }
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
