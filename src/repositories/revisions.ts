import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/** Tables whose rows people edit together, each with a `revision` (+1 per change, kept by a trigger). */
export type VersionedTable = 'pinboard_posts' | 'teammates' | 'memories' | 'threads' | 'orgs';

export interface RowVersion {
  revision: number;
  updatedAt: Date;
}

/** The current version of a row, locked for the rest of the transaction (`for update`); undefined when it is gone. */
export async function lockRowVersion(db: Executor, table: VersionedTable, id: string): Promise<RowVersion | undefined> {
  const { rows } = await sql<{ revision: number; updated_at: Date }>`
    select revision, updated_at from ${sql.table(table)} where id = ${id} for update
  `.execute(db);
  return rows[0] && { revision: rows[0].revision, updatedAt: rows[0].updated_at };
}

/** Revisions of rows by id, in one query. */
export async function revisionsOf(db: Executor, table: VersionedTable, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await sql<{ id: string; revision: number }>`
    select id, revision from ${sql.table(table)} where id = any(${[...ids]}::uuid[])
  `.execute(db);
  return new Map(rows.map((r) => [r.id, r.revision]));
}
