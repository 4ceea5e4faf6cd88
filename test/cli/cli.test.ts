import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnTmates } from '../helpers/process.ts';
import { wsClientTo, wsExecute } from '../helpers/server.ts';

const homes: string[] = [];
function tempHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-cli-'));
  chmodSync(home, 0o755);
  homes.push(home);
  return home;
}
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** postmaster processes serving a data folder under `home` (none should outlive Tmates). */
function postgresProcessesUnder(home: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(home) && /postgres/.test(line));
}

describe('tmates CLI', () => {
  it('prints help', async () => {
    const proc = spawnTmates(['--help'], {});
    const { code } = await proc.exited;
    expect(code).toBe(0);
    expect(proc.stdout()).toContain('serve [--no-worker]');
    expect(proc.stdout()).toContain('migrate');
  });

  it('refuses an unknown command with a usage error', async () => {
    const proc = spawnTmates(['frobnicate'], {});
    expect((await proc.exited).code).toBe(64);
    expect(proc.stderr()).toBe('tmates: unknown command "frobnicate". Run `tmates --help`.\n');
  });

  it('fails fast with one readable line for PORT=abc', async () => {
    const proc = spawnTmates(['serve'], { PORT: 'abc' });
    expect((await proc.exited).code).toBe(78);
    expect(proc.stderr()).toBe('tmates: Invalid configuration: PORT expected an integer from 0 to 65535 (got "abc")\n');
  });

  it('fails fast with one readable line when DATABASE_URL is malformed', async () => {
    const proc = spawnTmates(['serve'], { DATABASE_URL: 'localhost:5432/tmates' });
    expect((await proc.exited).code).toBe(78);
    expect(proc.stderr()).toMatch(/^tmates: Invalid configuration: DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/.*\n$/);
  });

  it('fails with one readable line when the database cannot be reached', async () => {
    const proc = spawnTmates(['serve'], { DATABASE_URL: 'postgres://tmates:secret@127.0.0.1:1/tmates', LOG_LEVEL: 'silent' });
    expect((await proc.exited).code).toBe(1);
    expect(proc.stderr()).toMatch(
      /^tmates: cannot connect to the database at postgres:\/\/tmates@127\.0\.0\.1:1\/tmates: .*ECONNREFUSED.*\n$/,
    );
    expect(proc.stderr()).not.toContain('secret');
  });

  it('`worker` without DATABASE_URL explains why it needs one', async () => {
    const proc = spawnTmates(['worker'], { TMATES_HOME: tempHome() });
    expect((await proc.exited).code).toBe(78);
    expect(proc.stderr()).toContain('DATABASE_URL is required for `tmates worker`');
  });

  it('serve on the embedded database: ready, answers HTTP and WebSocket, stops cleanly on SIGTERM, reuses its data', async () => {
    const home = tempHome();
    const env = { TMATES_HOME: home, PORT: '0' };

    const first = spawnTmates(['serve'], env);
    const [, url] = await first.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/);
    expect(first.stdout()).toContain('initialised embedded PostgreSQL');
    expect(first.stdout()).toContain('"migration":"20261123120000_foundation"');
    const base = url!.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const http = (await (
      await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })
    ).json()) as unknown;
    expect(http).toEqual({ data: { __typename: 'Query' } });
    const ws = wsClientTo(url!.replace('http', 'ws'));
    expect(await wsExecute(ws, '{ __typename }')).toEqual({ data: { __typename: 'Query' } });
    await ws.dispose();
    expect(postgresProcessesUnder(home).length).toBeGreaterThan(0);

    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(exit.ms).toBeLessThan(10_000);
    expect(postgresProcessesUnder(home)).toEqual([]);

    const second = spawnTmates(['serve'], env);
    await second.waitFor(/Tmates is ready at/);
    expect(second.stdout()).not.toContain('initialised embedded PostgreSQL');
    expect(second.stdout()).not.toContain('applied migration');
    second.child.kill('SIGINT');
    expect((await second.exited).code).toBe(0);
    expect(postgresProcessesUnder(home)).toEqual([]);
  });

  it('recovers the embedded database left running by a killed process', async () => {
    const home = tempHome();
    const env = { TMATES_HOME: home, PORT: '0' };
    const first = spawnTmates(['serve'], env);
    await first.waitFor(/Tmates is ready at/);
    first.child.kill('SIGKILL');
    await first.exited;
    // SIGKILL gives no chance to clean up: the database outlives its owner until the next start.
    expect(postgresProcessesUnder(home).length).toBeGreaterThan(0);

    const second = spawnTmates(['serve'], env);
    const [, url] = await second.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/);
    expect(second.stdout()).toContain('left running by an earlier Tmates process');
    expect((await fetch(url!.replace(/\/graphql$/, '/readyz'))).status).toBe(200);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(postgresProcessesUnder(home)).toEqual([]);
  });

  it('`migrate` applies migrations to DATABASE_URL and exits', async () => {
    const { createTestDatabase } = await import('../helpers/database.ts');
    const db = await createTestDatabase({ empty: true });
    try {
      const proc = spawnTmates(['migrate'], { DATABASE_URL: db.url });
      expect((await proc.exited).code).toBe(0);
      expect(proc.stdout()).toContain('"migration":"20261123120000_foundation"');
      const again = spawnTmates(['migrate'], { DATABASE_URL: db.url });
      expect((await again.exited).code).toBe(0);
      expect(again.stdout()).not.toContain('applied migration');
    } finally {
      await db.drop();
    }
  });
});

describe('tmates token', () => {
  it('prints a working token while `serve` runs on the same embedded database, without disturbing it', async () => {
    const home = tempHome();
    const env = { TMATES_HOME: home, PORT: '0' };
    const serve = spawnTmates(['serve'], env);
    const [, url] = await serve.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/);

    const token = spawnTmates(['token', '--email', 'CLI@Example.com', '--name', 'Terminal'], env);
    expect((await token.exited).code).toBe(0);
    expect(token.stderr()).toContain('using the embedded PostgreSQL of the running Tmates process');
    const printed = token.stdout().trim();
    expect(printed).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);

    const response = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${printed}` },
      body: JSON.stringify({ query: '{ viewer { user { email displayName } currentOrg { kind } } }' }),
    });
    expect(await response.json()).toEqual({
      data: { viewer: { user: { email: 'cli@example.com', displayName: 'Terminal' }, currentOrg: { kind: 'PERSONAL' } } },
    });

    const bad = spawnTmates(['token', '--mail', 'cli@example.com'], env);
    expect((await bad.exited).code).toBe(64);
    serve.child.kill('SIGTERM');
    expect((await serve.exited).code).toBe(0);
    expect(postgresProcessesUnder(home)).toEqual([]);
  });
});
