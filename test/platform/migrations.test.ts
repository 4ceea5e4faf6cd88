import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../db/migrations/index.ts';
import { kyselyCodegenArgs } from '../../src/db/codegen-args.ts';
import { createDatabase, createPool } from '../../src/db/database.ts';
import { migrateToLatest, migrationFolder, pendingMigrations } from '../../src/db/migrator.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, templateDatabaseUrl, type TestDatabase } from '../helpers/database.ts';

const logger = createLogger('silent');
const toDrop: TestDatabase[] = [];
afterAll(async () => {
  for (const db of toDrop) await db.drop();
});

describe('migrations', () => {
  it('lists every migration file in db/migrations/index.ts, in order, with timestamped names', () => {
    const files = readdirSync(migrationFolder)
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(Object.keys(migrations)).toEqual(files);
    for (const name of files) expect(name).toMatch(/^\d{14}_[a-z0-9_]+$/);
  });

  it('applies once when several processes migrate an empty database at the same time', async () => {
    const db = await createTestDatabase({ empty: true });
    toDrop.push(db);
    const pools = Array.from({ length: 4 }, () => createPool(db.url, 3, logger));
    try {
      const results = await Promise.all(pools.map((pool) => migrateToLatest(createDatabase(pool) as never, pool, logger)));
      // Exactly one runner applied the migrations; the others found nothing left to do.
      expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
      expect(results.flat()).toEqual(Object.keys(migrations));
      const kysely = createDatabase(pools[0]!);
      expect(await pendingMigrations(kysely as never)).toEqual([]);
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(kysely);
      expect(rows[0]!.n).toBe(Object.keys(migrations).length);
      const worker = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.migrations`.execute(kysely);
      expect(worker.rows[0]!.n).toBeGreaterThan(0);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('keeps src/db/schema.ts in step with the migrations (run `npm run db:types` when this fails)', async () => {
    const bin = path.resolve('node_modules/.bin/kysely-codegen');
    await expect(
      promisify(execFile)(bin, kyselyCodegenArgs(templateDatabaseUrl(), ['--verify'])),
    ).resolves.toBeDefined();
  });
});
