import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { fileColumns, fileQuery, toStoredFile, type StoredFile } from './files.ts';

/** Queries over files' extracted text: previews, pages of text, full-text search (for the schema and tools). */

/** The first characters of each file's extracted text, and its length, in one query. */
export async function textPreviews(
  db: Executor,
  ids: readonly string[],
  chars: number,
): Promise<Map<string, { preview: string; length: number } | null>> {
  const result = new Map<string, { preview: string; length: number } | null>();
  if (ids.length === 0) return result;
  const rows = await db
    .selectFrom('files')
    .select(['id', sql<string | null>`left(extracted_text, ${chars})`.as('preview'), sql<number | null>`length(extracted_text)`.as('length')])
    .where('id', 'in', [...ids])
    .execute();
  for (const r of rows) result.set(r.id, r.preview === null ? null : { preview: r.preview, length: Number(r.length) });
  return result;
}

/** A slice of a file's extracted text (offset and length in characters) and the whole length. */
export async function readTextSlice(
  db: Executor,
  id: string,
  offset: number,
  length: number,
): Promise<{ text: string; totalLength: number } | undefined> {
  const row = await db
    .selectFrom('files')
    .select([
      sql<string>`coalesce(substr(extracted_text, ${offset + 1}, ${length}), '')`.as('text'),
      sql<number>`coalesce(length(extracted_text), 0)`.as('total'),
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  return row && { text: row.text, totalLength: Number(row.total) };
}

/** The newest ready file of the organisation with exactly this name (case-insensitive). */
export async function findReadyFileByName(db: Executor, orgId: string, name: string): Promise<StoredFile | undefined> {
  const row = await db
    .selectFrom('files')
    .select(fileColumns)
    .where('files.org_id', '=', orgId)
    .where('files.deleted_at', 'is', null)
    .where('files.status', '!=', 'pending')
    .where(sql<boolean>`lower(files.name) = lower(${name})`)
    .orderBy(sql`files.status = 'ready'`, 'desc')
    .orderBy('files.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && toStoredFile(row);
}

export interface FileSearchHit {
  file: StoredFile;
  snippet: string;
  rank: number;
}

/** Ready files of the organisation matching `query`, best first, with a snippet around the match. */
export async function searchReadyFiles(db: Executor, orgId: string, query: string, limit: number): Promise<FileSearchHit[]> {
  const q = fileQuery(query);
  const rows = await db
    .selectFrom('files')
    .select(fileColumns)
    .select([
      sql<number>`ts_rank_cd(files.search, ${q})`.as('rank'),
      sql<string>`ts_headline('english', left(coalesce(files.extracted_text, ''), 100000), ${q},
        'MaxFragments=2, MaxWords=30, MinWords=8, FragmentDelimiter=" … ", StartSel=**, StopSel=**')`.as('snippet'),
    ])
    .where('files.org_id', '=', orgId)
    .where('files.deleted_at', 'is', null)
    .where('files.status', '=', 'ready')
    .where(sql<boolean>`files.search @@ ${q}`)
    .orderBy('rank', 'desc')
    .orderBy('files.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ file: toStoredFile(r), snippet: r.snippet, rank: Number(r.rank) }));
}
