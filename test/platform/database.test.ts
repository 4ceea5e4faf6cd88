import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, createPool, NOTIFY_AT_COMMIT, type Database } from '../../src/db/database.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { waitFor } from '../helpers/kit.ts';

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

describe('NOTIFY held back until the commit', () => {
  it('is sent with the COMMIT in one round trip, intact and in order; a rollback or a failed commit sends nothing', async () => {
    const listener = new pg.Client({ connectionString: testDb.url });
    await listener.connect();
    const received: string[] = [];
    listener.on('notification', (n) => received.push(n.payload ?? ''));
    await listener.query('listen held_back');
    const statements: string[] = [];
    const pool = createPool(testDb.url, 1, createLogger('silent'));
    pool.on('connect', (client) => {
      const query = client.query.bind(client);
      client.query = ((config: unknown, ...rest: unknown[]) => {
        statements.push(typeof config === 'string' ? config : (config as { text: string }).text);
        return (query as (...args: unknown[]) => unknown)(config, ...rest);
      }) as typeof client.query;
    });
    const db = createDatabase(pool);
    const notify = (executor: Pick<Database, 'executeQuery'>, payload: string) =>
      executor.executeQuery(CompiledQuery.raw(NOTIFY_AT_COMMIT, ['held_back', payload]));
    try {
      const tricky = [`it's "quoted" \\ back\\slashed`, 'ünïcødé ✓ \n new line', "'; select 1; --"];
      await db.transaction().execute(async (trx) => {
        for (const payload of tricky) await notify(trx, payload);
        await sql`select 1`.execute(trx);
      });
      const committed = statements.length;
      expect(statements.at(-1)).toMatch(/^select pg_notify\('held_back', .*;\ncommit$/s); // one round trip for all three and the commit
      await waitFor(() => received.length >= 3);
      expect(received).toEqual(tricky);

      await db
        .transaction()
        .execute(async (trx) => {
          await notify(trx, 'rolled back');
          throw new Error('undo');
        })
        .catch(() => undefined);
      // A payload PostgreSQL refuses (over 8000 bytes) fails the commit, and the write goes with it.
      await sql`create temporary table held (n int)`.execute(db);
      const failed = await db
        .transaction()
        .execute(async (trx) => {
          await sql`insert into held values (1)`.execute(trx);
          await notify(trx, 'x'.repeat(9000));
        })
        .then(() => 'committed', (error: Error) => error.message);
      expect(failed).toMatch(/payload string too long/);
      expect((await sql<{ n: string }>`select count(*) as n from held`.execute(db)).rows[0]!.n).toBe('0');

      // Outside a transaction it runs at once.
      await notify(db, 'right away');
      await waitFor(() => received.length >= 4);
      await new Promise((r) => setTimeout(r, 100));
      expect(received).toEqual([...tricky, 'right away']);
      expect(statements.length).toBeGreaterThan(committed);
    } finally {
      await db.destroy();
      await listener.end();
    }
  });
});
