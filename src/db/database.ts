import { Kysely, PostgresDialect, type Transaction } from 'kysely';
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

/** `onQuery` sees the SQL of every query run (tests count them to prove batching). */
export function createDatabase(pool: pg.Pool, onQuery?: (sql: string) => void): Database {
  return new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
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
