import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Files } from '../db/schema.ts';
import type { StorageBackendName } from '../storage/types.ts';

export type FileStatus = 'pending' | 'uploaded' | 'processing' | 'ready' | 'failed';

/** What ingestion learned about a file. */
export interface FileMetadata {
  pageCount?: number;
  rowCount?: number;
  /** Images have no text; vision-capable models get them as attachments. */
  isImage?: boolean;
  /** The extracted text was cut at the cap. */
  textTruncated?: boolean;
}

/** A file of an organisation (the bytes live in storage under `storageKey`). */
export interface StoredFile {
  id: string;
  orgId: string;
  uploadedBy: string | null;
  createdByTeammateId: string | null;
  createdByRunId: string | null;
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string | null;
  storageBackend: StorageBackendName;
  storageKey: string;
  status: FileStatus;
  error: string | null;
  metadata: FileMetadata;
  uploadExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

export const fileColumns = [
  'files.id', 'files.org_id', 'files.uploaded_by', 'files.created_by_teammate_id', 'files.created_by_run_id', 'files.name',
  'files.content_type', 'files.size_bytes', 'files.sha256', 'files.storage_backend', 'files.storage_key', 'files.status',
  'files.error', 'files.metadata', 'files.upload_expires_at', 'files.created_at', 'files.updated_at', 'files.deleted_at',
] as const;
const bare = fileColumns.map((c) => c.slice('files.'.length)) as Array<(typeof fileColumns)[number] extends `files.${infer C}` ? C : never>;

export function toStoredFile(row: Pick<Selectable<Files>, (typeof bare)[number]>): StoredFile {
  return {
    id: row.id,
    orgId: row.org_id,
    uploadedBy: row.uploaded_by,
    createdByTeammateId: row.created_by_teammate_id,
    createdByRunId: row.created_by_run_id,
    name: row.name,
    contentType: row.content_type,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256,
    storageBackend: row.storage_backend as StorageBackendName,
    storageKey: row.storage_key,
    status: row.status as FileStatus,
    error: row.error,
    metadata: (row.metadata ?? {}) as FileMetadata,
    uploadExpiresAt: row.upload_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

export async function insertFile(
  db: Executor,
  values: {
    id: string;
    orgId: string;
    uploadedBy: string | null;
    createdByTeammateId?: string | null;
    createdByRunId?: string | null;
    name: string;
    contentType: string;
    sizeBytes: number;
    sha256: string | null;
    storageBackend: StorageBackendName;
    storageKey: string;
    status: 'pending' | 'uploaded';
    uploadExpiresAt?: Date | null;
  },
): Promise<StoredFile> {
  const row = await db
    .insertInto('files')
    .values({
      id: values.id,
      org_id: values.orgId,
      uploaded_by: values.uploadedBy,
      created_by_teammate_id: values.createdByTeammateId ?? null,
      created_by_run_id: values.createdByRunId ?? null,
      name: values.name,
      content_type: values.contentType,
      size_bytes: values.sizeBytes,
      sha256: values.sha256,
      storage_backend: values.storageBackend,
      storage_key: values.storageKey,
      status: values.status,
      upload_expires_at: values.uploadExpiresAt ?? null,
    })
    .returning(bare)
    .executeTakeFirstOrThrow();
  return toStoredFile(row);
}

/** Files among `ids` in `orgId` that are not deleted (pending direct uploads included). */
export async function findFilesInOrg(db: Executor, orgId: string, ids: readonly string[]): Promise<StoredFile[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('files')
    .select(fileColumns)
    .where('files.org_id', '=', orgId)
    .where('files.id', 'in', [...ids])
    .where('files.deleted_at', 'is', null)
    .execute();
  return rows.map(toStoredFile);
}

/** A file by id whatever its organisation or state — for jobs and signed URLs, never for callers. */
export async function findFileById(db: Executor, id: string): Promise<StoredFile | undefined> {
  const row = await db.selectFrom('files').select(fileColumns).where('files.id', '=', id).executeTakeFirst();
  return row && toStoredFile(row);
}

/** Locks a non-deleted file of the organisation for the rest of the transaction. */
export async function lockFileInOrg(db: Executor, orgId: string, id: string): Promise<StoredFile | undefined> {
  const row = await db
    .selectFrom('files')
    .select(fileColumns)
    .where('files.id', '=', id)
    .where('files.org_id', '=', orgId)
    .where('files.deleted_at', 'is', null)
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row && toStoredFile(row);
}

/** Position of a file in the newest-first list: (created_at, id). */
export interface FilePosition {
  createdAt: Date;
  id: string;
}

/** Both dictionaries of the search column: stemmed English words, and exact words (names, codes). */
export const fileQuery = (text: string) => sql`(websearch_to_tsquery('english', ${text}) || websearch_to_tsquery('simple', ${text}))`;

/** The organisation's files, newest first (keyset pagination); `search` matches name and text. */
export async function listFiles(
  db: Executor,
  orgId: string,
  page: { limit: number; after?: FilePosition; before?: FilePosition; inverted: boolean; search?: string; status?: FileStatus },
): Promise<StoredFile[]> {
  const direction = page.inverted ? 'asc' : 'desc';
  let query = db
    .selectFrom('files')
    .select(fileColumns)
    .where('files.org_id', '=', orgId)
    .where('files.deleted_at', 'is', null)
    .orderBy('files.created_at', direction)
    .orderBy('files.id', direction)
    .limit(page.limit);
  query = page.status ? query.where('files.status', '=', page.status) : query.where('files.status', '!=', 'pending');
  if (page.search) query = query.where(sql<boolean>`files.search @@ ${fileQuery(page.search)}`);
  const { after, before } = page;
  if (after) query = query.where(sql<boolean>`(files.created_at, files.id) < (${after.createdAt}, ${after.id})`);
  if (before) query = query.where(sql<boolean>`(files.created_at, files.id) > (${before.createdAt}, ${before.id})`);
  return (await query.execute()).map(toStoredFile);
}

/**
 * Bytes the organisation stores: every file that is not deleted, and pending direct uploads until
 * they expire (their declared size is reserved). `exceptId` leaves one file out (it is being resized).
 */
export async function storageUsed(db: Executor, orgId: string, exceptId?: string): Promise<number> {
  let query = db
    .selectFrom('files')
    .select(sql<string>`coalesce(sum(size_bytes), 0)`.as('used'))
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('status', '!=', 'pending'), eb('upload_expires_at', '>', sql<Date>`now()`)]));
  if (exceptId) query = query.where('id', '!=', exceptId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.used);
}

/** A pending direct upload whose bytes were verified: it becomes an ordinary uploaded file. */
export async function markUploaded(
  db: Executor,
  id: string,
  values: { sizeBytes: number; sha256: string; contentType: string },
): Promise<StoredFile> {
  const row = await db
    .updateTable('files')
    .set({
      status: 'uploaded',
      size_bytes: values.sizeBytes,
      sha256: values.sha256,
      content_type: values.contentType,
      upload_expires_at: null,
    })
    .where('id', '=', id)
    .returning(bare)
    .executeTakeFirstOrThrow();
  return toStoredFile(row);
}

/** Claims a file for ingestion: uploaded (or left processing by a crashed attempt) → processing. */
export async function claimForProcessing(db: Executor, id: string): Promise<StoredFile | undefined> {
  const row = await db
    .updateTable('files')
    .set({ status: 'processing', error: null })
    .where('id', '=', id)
    .where('status', 'in', ['uploaded', 'processing'])
    .where('deleted_at', 'is', null)
    .returning(bare)
    .executeTakeFirst();
  return row && toStoredFile(row);
}

/** Ends ingestion: ready with the text, or failed with a reason. Only a file still processing changes. */
export async function finishProcessing(
  db: Executor,
  id: string,
  values: { status: 'ready' | 'failed'; error?: string | null; extractedText?: string | null; metadata?: FileMetadata },
): Promise<StoredFile | undefined> {
  const row = await db
    .updateTable('files')
    .set({
      status: values.status,
      error: values.error ?? null,
      extracted_text: values.extractedText ?? null,
      metadata: JSON.stringify(values.metadata ?? {}),
    })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .where('deleted_at', 'is', null)
    .returning(bare)
    .executeTakeFirst();
  return row && toStoredFile(row);
}

/** Deletes a file but keeps a tombstone (messages refer to it): its text goes at once. */
export async function softDeleteFile(db: Executor, id: string): Promise<void> {
  await db.updateTable('files').set({ deleted_at: sql`now()`, extracted_text: null }).where('id', '=', id).execute();
}

/** Removes a row that never became a file (a refused or abandoned direct upload). */
export async function deleteFileRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('files').where('id', '=', id).execute();
}
