import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, createPool, type Database } from '../src/db/database.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

const preparedCount = (db: Database) =>
  sql<{ n: string }>`select count(*) as n from pg_prepared_statements`.execute(db).then((r) => Number(r.rows[0]!.n));

describe('prepared statements', () => {
  it('prepares each distinct data statement once per connection, up to a cap, and runs the rest unnamed', async () => {
    const pool = createPool(testDb.url, 1, createLogger('silent'));
    const db = createDatabase(pool);
    try {
      for (let i = 0; i < 3; i += 1) expect((await sql<{ x: number }>`select ${i}::int as x`.execute(db)).rows[0]!.x).toBe(i);
      const afterOne = await preparedCount(db);
      expect(afterOne).toBe(2); // the select above and the count itself, each once
      for (let i = 0; i < 600; i += 1) await sql.raw(`select ${i} as n${i}`).execute(db);
      expect(await preparedCount(db)).toBe(500); // capped; the other statements still ran
      await sql.raw('create temporary table scratch (id int)').execute(db); // utility statements are never prepared
      await db.selectFrom('users').select('id').limit(1).execute();
    } finally {
      await db.destroy();
    }
  });

  it('can be turned off (behind a pooler in transaction mode)', async () => {
    const pool = createPool(testDb.url, 1, createLogger('silent'));
    const db = createDatabase(pool, undefined, { prepare: false });
    try {
      await db.selectFrom('users').select('id').limit(1).execute();
      expect(await preparedCount(db)).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});
