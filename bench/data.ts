/**
 * Data-growth benchmark (npm run bench:data). Does the cost of a request grow with the data an
 * installation holds? One embedded PostgreSQL holds two databases:
 *   • large: 1,000 organisations, 10,000 threads, 1,000,000 messages, 100,000 pinboard posts and
 *     50,000 text files (× --scale), written with bulk SQL (test/helpers/bulk-seed.ts);
 *   • small: the same person's organisation almost empty (10 threads, ~240 messages, 10 posts, 5 files).
 * A `tmates serve --no-worker` child process serves each. The measured person signs up through the
 * API on both; their organisation gets its even share of the data (10 threads, 100 posts, 50 files
 * at scale 1) plus one deep thread (20,000 messages at scale 1; 150 in the small one).
 *
 * Samples alternate small / large so both see the same noise. For each request: p50 and p95 over
 * --samples, and the ratio large / small of the p95. Goal (issue 19): every ratio ≤ 2.
 *   threads            the web app's thread list (first 30, with previews and unread counts)
 *   messages (newest)  the last 50 messages of the deep thread
 *   messages (deep)    50 messages before a cursor near the thread's start
 *   pinboard(search)   the web app's pinboard search, a word in ~5 % of posts
 *   files(search)      the web app's files search, a word in ~5 % of files
 *   sendMessage        one message into a thread with a teammate (no worker: the reply is not run)
 *   threadEvents resume  subscribe with a cursor 100 events back; time to the 100th replayed event
 *
 * Options: --scale 1 (0.1 for a quick try) --samples 200 --durable (fsync on; default off)
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import pg from 'pg';
import WebSocket from 'ws';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { createLogger } from '../src/logger.ts';
import { seedInstallation, vocabulary, wordWithSelectivity, type SeedSizes } from '../test/helpers/bulk-seed.ts';
import { spawnTmates, type RunningProcess } from '../test/helpers/process.ts';
import { fmt, gql, percentile } from './common.ts';
import { OPERATIONS, type Installation } from './data-operations.ts';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    samples: { type: 'string', default: '200' },
    durable: { type: 'boolean', default: false },
  },
});
const SCALE = Number(values.scale);
const SAMPLES = Number(values.samples);
const WARMUP = 20;

const LARGE: SeedSizes = {
  orgs: 1_000 * SCALE,
  threads: 10_000 * SCALE,
  messages: 1_000_000 * SCALE,
  pinboardPosts: 100_000 * SCALE,
  files: 50_000 * SCALE,
  deepThreadMessages: Math.max(200, 20_000 * SCALE),
};
const SMALL: SeedSizes = { orgs: 1, threads: 10, messages: 240, pinboardPosts: 10, files: 5, deepThreadMessages: 150 };

async function startInstallation(name: string, databaseUrl: string, sizes: SeedSizes): Promise<{ server: RunningProcess; installation: Installation }> {
  const server = spawnTmates(['serve', '--no-worker'], {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TMATES_SECRET: 'bench-secret-bench-secret-bench-secret-42',
    RATE_LIMITS: 'false',
    SERVE_WEB: 'false',
    DATABASE_POOL_SIZE: '10',
  });
  const url = (await server.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/, 300_000))[1]!;
  const email = `data-${name}@example.com`;
  const signUp = await gql(url, '', `mutation($e: String!) { signUp(input: { email: $e, password: "bench-password-1", displayName: "Bench" }) { ... on AuthPayload { token } } }`, { e: email });
  const token = signUp.signUp.token as string;

  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows: [target] } = await db.query(
    `select o.id as org_id, u.id as user_id, (select t.id from teammates t where t.org_id = o.id and t.status = 'hired' order by t.hired_at limit 1) as teammate_id
     from users u join orgs o on o.personal_owner_id = u.id where u.email = $1`,
    [email],
  );
  await db.end();
  if (!target?.teammate_id) throw new Error(`${name}: the new account has no teammate to talk to`);
  const seeded = await seedInstallation(databaseUrl, { orgId: target.org_id, userId: target.user_id, teammateId: target.teammate_id }, sizes);
  console.log(
    `${name.padEnd(6)} seeded in ${(seeded.ms / 1000).toFixed(1)} s: ` +
      Object.entries(seeded.rows).map(([table, n]) => `${n.toLocaleString('en')} ${table}`).join(', '),
  );

  const threads = await gql(url, token, '{ threads(first: 50) { edges { node { id lastSeq eventCursor } } } }');
  type Node = { id: string; lastSeq: number; eventCursor: string };
  const nodes = (threads.threads.edges as Array<{ node: Node }>).map((e) => e.node).sort((a, b) => b.lastSeq - a.lastSeq);
  const ws = createClient({ url: url.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0, lazy: false });
  return {
    server,
    installation: { name, url, token, ws, deepThread: nodes[0]!.id, deepEventSeq: Number(nodes[0]!.eventCursor), otherThread: nodes[1]!.id },
  };
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-bench-data-'));
  chmodSync(home, 0o755);
  const cluster = await startEmbeddedPostgres({ home, ephemeral: !values.durable, logger: createLogger('warn'), database: 'tmates_large' });
  const smallUrl = cluster.url.replace(/\/tmates_large$/, '/tmates_small');
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query('create database tmates_small');
  await admin.end();
  console.log(
    `Tmates data-growth benchmark — ${os.cpus().length} cores, node ${process.version}, ${values.durable ? 'durable' : 'ephemeral'} embedded PostgreSQL, ` +
      `scale ${SCALE}, ${SAMPLES} samples per request (after ${WARMUP} warm-up), alternating small / large`,
  );
  const servers: RunningProcess[] = [];
  const installations: Installation[] = [];
  try {
    for (const [name, url, sizes] of [['small', smallUrl, SMALL], ['large', cluster.url, LARGE]] as const) {
      const { server, installation } = await startInstallation(name, url, sizes);
      servers.push(server);
      installations.push(installation);
    }
    const words = vocabulary();
    const terms = { pinboard: wordWithSelectivity(words, 85, 0.05), files: wordWithSelectivity(words, 250, 0.05) };
    console.log(`search terms: pinboard "${terms.pinboard}", files "${terms.files}"`);

    console.log(`${'request'.padEnd(28)} ${'small p50'.padStart(10)} ${'small p95'.padStart(10)} ${'large p50'.padStart(10)} ${'large p95'.padStart(10)}  ratio (p95)`);
    let worst = 0;
    for (const operation of OPERATIONS) {
      const samples: number[][] = installations.map(() => []);
      for (let i = 0; i < SAMPLES + WARMUP; i += 1) {
        for (const [k, installation] of installations.entries()) {
          const ms = await operation.run(installation, { i, terms });
          if (i >= WARMUP) samples[k]!.push(ms);
        }
      }
      const [small, large] = samples.map((s) => [...s].sort((a, b) => a - b));
      const p95s = percentile(small!, 95);
      const p95l = percentile(large!, 95);
      const ratio = p95l / p95s;
      worst = Math.max(worst, ratio);
      console.log(
        `${operation.name.padEnd(28)} ${fmt(percentile(small!, 50)).padStart(10)} ${fmt(p95s).padStart(10)} ${fmt(percentile(large!, 50)).padStart(10)} ${fmt(p95l).padStart(10)}  ${ratio.toFixed(2)}×${ratio > 2 ? '  (over 2×)' : ''}`,
      );
    }
    console.log(`worst ratio ${worst.toFixed(2)}× (goal ≤ 2×)`);
  } finally {
    for (const installation of installations) await installation.ws.dispose();
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
