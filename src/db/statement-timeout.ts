import { GraphQLError } from 'graphql';
import { sql } from 'kysely';
import type { Database, Executor } from './database.ts';

/** PostgreSQL's SQLSTATE for a statement cancelled by `statement_timeout` (query_canceled). */
const QUERY_CANCELED = '57014';

/** A search that ran past its deadline: the client should narrow it (more words, a filter). */
export class SearchTimeoutError extends GraphQLError {
  constructor(timeoutMs: number) {
    super(`The search took longer than ${timeoutMs} ms and was stopped; narrow it down (more words, or a filter)`, {
      extensions: { code: 'SEARCH_TIMEOUT' },
    });
  }
}

/**
 * Runs `work` in a transaction whose statements stop after `timeoutMs` (`set local
 * statement_timeout`, so the setting ends with the transaction and never leaks to the pooled
 * connection). A cancelled statement becomes a SearchTimeoutError; other errors pass through.
 * For the expensive statements only (full-text searches), so one costly request cannot hold a
 * connection and a core for long.
 */
export async function withStatementTimeout<T>(db: Database, timeoutMs: number, work: (trx: Executor) => Promise<T>): Promise<T> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`select set_config('statement_timeout', ${String(timeoutMs)}, true)`.execute(trx);
      return work(trx);
    });
  } catch (error) {
    if ((error as { code?: string }).code === QUERY_CANCELED) throw new SearchTimeoutError(timeoutMs);
    throw error;
  }
}
