/**
 * Regenerates src/db/schema.ts (Kysely table types) from a freshly migrated database, using
 * kysely-codegen. Uses DATABASE_URL when set (the database must be migrated), else a throwaway
 * embedded PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, createPool } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { createLogger } from '../src/logger.ts';
import { kyselyCodegenArgs } from '../src/db/codegen-args.ts';

const logger = createLogger('warn');
let url = process.env.DATABASE_URL;
let stop = async () => {};
if (!url) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-dbtypes-'));
  chmodSync(home, 0o755); // reachable by the postgres OS user when we run as root
  const cluster = await startEmbeddedPostgres({ home, ephemeral: true, logger });
  url = cluster.url;
  stop = async () => {
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  };
}
try {
  const pool = createPool(url, 2, logger);
  await migrateToLatest(createDatabase(pool) as never, pool, logger);
  await pool.end();
  execFileSync(path.resolve('node_modules/.bin/kysely-codegen'), kyselyCodegenArgs(url), { stdio: 'inherit' });
} finally {
  await stop();
}
