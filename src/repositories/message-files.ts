import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import { fileColumns, toStoredFile, type StoredFile } from './files.ts';

/** Files attached to messages (`message_files`): linking, and reading them back per message. */

/** Links files to a message in the given order (a second link of the same file is ignored). */
export async function insertMessageFiles(db: Executor, orgId: string, messageId: string, fileIds: readonly string[]): Promise<void> {
  if (fileIds.length === 0) return;
  await db
    .insertInto('message_files')
    .values(fileIds.map((fileId, position) => ({ message_id: messageId, file_id: fileId, org_id: orgId, position })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/** Files attached to each message (not deleted), in attachment order, in one query. */
export async function filesOfMessages(
  db: Executor,
  orgId: string,
  messageIds: readonly string[],
): Promise<Map<string, StoredFile[]>> {
  const byMessage = new Map<string, StoredFile[]>(messageIds.map((id) => [id, []]));
  if (messageIds.length === 0) return byMessage;
  const rows = await db
    .selectFrom('message_files')
    .innerJoin('files', 'files.id', 'message_files.file_id')
    .select(fileColumns)
    .select('message_files.message_id')
    .where('message_files.org_id', '=', orgId)
    .where('message_files.message_id', 'in', [...messageIds])
    .where('files.deleted_at', 'is', null)
    .orderBy('message_files.message_id')
    .orderBy('message_files.position')
    .execute();
  for (const r of rows) byMessage.get(r.message_id)?.push(toStoredFile(r));
  return byMessage;
}

/** Attachments of messages with the start of their text, for building a model prompt. */
export async function attachmentRows(
  db: Executor,
  orgId: string,
  messageIds: readonly string[],
  textChars: number,
): Promise<Array<{ messageId: string; file: StoredFile; text: string | null; textLength: number }>> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .selectFrom('message_files')
    .innerJoin('files', 'files.id', 'message_files.file_id')
    .select(fileColumns)
    .select([
      'message_files.message_id',
      sql<string | null>`left(files.extracted_text, ${textChars})`.as('text'),
      sql<number | null>`length(files.extracted_text)`.as('text_length'),
    ])
    .where('message_files.org_id', '=', orgId)
    .where('message_files.message_id', 'in', [...messageIds])
    .where('files.deleted_at', 'is', null)
    .orderBy('message_files.message_id')
    .orderBy('message_files.position')
    .execute();
  return rows.map((r) => ({ messageId: r.message_id, file: toStoredFile(r), text: r.text, textLength: Number(r.text_length ?? 0) }));
}
