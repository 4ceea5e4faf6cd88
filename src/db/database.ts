import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.ts';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;
/** Anything a repository can run queries on: the database or an open transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;

/**
 * One pg.Pool per process, shared by Kysely and graphile-worker. Idle clients that the server drops
 * (restart, failover) emit `error` on the pool; without a handler that would crash the process.
 */
export function createPool(connectionString: string, max: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'tmates',
  });
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database client failed; it was removed from the pool'));
  // A checked-out client can fail too (server restart mid-query); the query rejects, the process lives.
  pool.on('connect', (client) => {
    client.on('error', (error) => logger.warn({ err: error }, 'database client failed'));
  });
  return pool;
}

/** Distinct statements one connection keeps prepared; beyond this, queries are planned each time. */
const MAX_PREPARED_PER_CONNECTION = 500;
const statementNames = new Map<string, string>();
const preparedOn = new WeakMap<pg.PoolClient, Set<string>>();

/**
 * The name a query is prepared under on a connection, or undefined to run it unnamed. PostgreSQL
 * then parses and plans each distinct statement once per connection instead of on every call —
 * for the short queries Tmates runs, planning costs about as much as executing. Only data
 * statements are prepared, and only so many per connection (lists of ids make statements vary).
 */
function statementName(client: pg.PoolClient, text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = /^\s*(select|insert|update|delete|with)\b/i.test(text) ? `k_${createHash('sha1').update(text).digest('base64url')}` : '';
    if (statementNames.size >= 10_000) statementNames.clear();
    statementNames.set(text, name);
  }
  if (!name) return undefined;
  let prepared = preparedOn.get(client);
  if (!prepared) preparedOn.set(client, (prepared = new Set()));
  if (!prepared.has(name)) {
    if (prepared.size >= MAX_PREPARED_PER_CONNECTION) return undefined;
    prepared.add(name);
  }
  return name;
}

/**
 * A statement that may wait for its transaction's commit: `select pg_notify($1, $2)` marked so the
 * connection holds it back and sends it with the COMMIT, in one round trip (a simple-protocol
 * query, its two text values inlined as escaped literals). Outside a transaction it runs at once.
 * NOTIFY is delivered at commit anyway, so holding it back changes nothing but the round trip.
 */
export const NOTIFY_AT_COMMIT = '/* tmates:notify-at-commit */ select pg_notify($1, $2)';

const emptyResult = { command: 'SELECT', rowCount: 0, rows: [], fields: [] };

/**
 * The pool as Kysely sees it. Every connection tracks whether it is in a transaction, holds back
 * `NOTIFY_AT_COMMIT` statements until the commit, and (with `prepare`) runs data statements as
 * named prepared statements. (Behind a pooler in transaction mode, which cannot keep prepared
 * statements, turn that off with DATABASE_PREPARED_STATEMENTS=false.)
 */
function kyselyPool(pool: pg.Pool, prepare: boolean): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      let inTransaction = false;
      let atCommit: string[] = [];
      const run = (text: string, values?: ReadonlyArray<unknown>) => {
        const name = prepare ? statementName(client, text) : undefined;
        return client.query(name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] });
      };
      return {
        query: ((text: unknown, values?: ReadonlyArray<unknown>) => {
          if (typeof text !== 'string') return client.query(text as never); // a cursor
          if (text === 'begin' || text.startsWith('start transaction')) {
            inTransaction = true;
          } else if (text === NOTIFY_AT_COMMIT && inTransaction) {
            atCommit.push(`select pg_notify(${pg.escapeLiteral(String(values![0]))}, ${pg.escapeLiteral(String(values![1]))})`);
            return Promise.resolve(emptyResult);
          } else if (text === 'commit' || text === 'rollback') {
            const held = atCommit;
            inTransaction = false;
            atCommit = [];
            if (text === 'commit' && held.length > 0) {
              // One simple-protocol query: it stops at the first failure, so COMMIT runs only if every NOTIFY did.
              return client.query([...held, 'commit'].join(';\n')).then((results) => (Array.isArray(results) ? results.at(-1) : results));
            }
          }
          return run(text, values);
        }) as unknown as PostgresPoolClient['query'],
        release: () => client.release(),
      };
    },
    end: () => pool.end(),
  };
}

/** `onQuery` sees the SQL of every query run (tests count them to prove batching). */
export function createDatabase(pool: pg.Pool, onQuery?: (sql: string) => void, options: { prepare?: boolean } = {}): Database {
  return new Kysely<DB>({
    dialect: new PostgresDialect({ pool: kyselyPool(pool, options.prepare !== false) }),
    ...(onQuery ? { log: (event) => onQuery(event.query.sql) } : {}),
  });
}

/** Readable description of a database URL with the password left out, for logs and errors. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Runs `work` so that a failure undoes only its own writes, not the caller's transaction. */
export async function withSavepoint<T>(trx: Transaction<DB>, name: string, work: () => Promise<T>): Promise<T> {
  await sql`savepoint ${sql.id(name)}`.execute(trx);
  try {
    const result = await work();
    await sql`release savepoint ${sql.id(name)}`.execute(trx);
    return result;
  } catch (error) {
    await sql`rollback to savepoint ${sql.id(name)}`.execute(trx);
    throw error;
  }
}
