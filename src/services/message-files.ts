import type { Executor } from '../db/database.ts';
import { findFilesInOrg } from '../repositories/files.ts';
import { attachmentRows, insertMessageFiles } from '../repositories/message-files.ts';
import type { AppServices } from '../core/context.ts';
import { NotFoundError } from './errors.ts';
import { readObject } from './file-ingestion.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Characters of a file's extracted text handed to a model with the message it is attached to. */
export const ATTACHMENT_TEXT_CHARS = 4000;
/** Largest image inlined as a data URL for vision-capable models. */
export const ATTACHMENT_IMAGE_MAX_BYTES = 4 * 1024 * 1024;

/** A file attached to a message, as the agent runtime's prompt builder sees it. */
export interface Attachment {
  fileId: string;
  name: string;
  contentType: string;
  /** uploaded | processing | ready | failed — text exists only when ready. */
  status: string;
  /** Extracted text, cut to ATTACHMENT_TEXT_CHARS (the `read_file` tool pages through the rest). */
  text?: string;
  /** Whether `text` was cut. */
  textTruncated?: boolean;
  /** Images up to ATTACHMENT_IMAGE_MAX_BYTES, as a base64 `data:` URL, for vision models. */
  image?: { dataUrl: string };
}

/**
 * Links files to a message, in the given order, inside the caller's transaction (sendMessage's).
 * `fileIds` are raw uuids (decode File global ids first). Every file must exist in `orgId`, not be
 * deleted and have its bytes (not a pending direct upload); otherwise nothing is linked and it
 * throws NotFoundError('File').
 */
export async function attachFilesToMessage(trx: Executor, orgId: string, messageId: string, fileIds: string[]): Promise<void> {
  const unique = [...new Set(fileIds.map((id) => id.toLowerCase()))];
  if (unique.length === 0) return;
  // Ids come from clients: anything but a uuid names no file (and must not reach SQL as one).
  if (unique.some((id) => !UUID.test(id))) throw new NotFoundError('File');
  const found = await findFilesInOrg(trx, orgId, unique);
  if (found.length !== unique.length || found.some((f) => f.status === 'pending')) throw new NotFoundError('File');
  await insertMessageFiles(trx, orgId, messageId, unique);
}

/**
 * The attachments of each message (in attachment order; deleted files left out), with the start of
 * their text and, for images, their bytes as a data URL. One query for all messages, plus one
 * storage read per inlined image. Messages without attachments map to [].
 */
export async function attachmentsForMessages(
  services: Pick<AppServices, 'db' | 'logger' | 'storage'>,
  orgId: string,
  messageIds: string[],
): Promise<Map<string, Attachment[]>> {
  const byMessage = new Map<string, Attachment[]>(messageIds.map((id) => [id, []]));
  const rows = await attachmentRows(services.db, orgId, messageIds, ATTACHMENT_TEXT_CHARS);
  await Promise.all(
    rows.map(async ({ messageId, file, text, textLength }) => {
      const attachment: Attachment = { fileId: file.id, name: file.name, contentType: file.contentType, status: file.status };
      if (file.status === 'ready' && text) {
        attachment.text = text;
        if (textLength > text.length || file.metadata.textTruncated) attachment.textTruncated = true;
      }
      // (vision models take raster images only: an SVG goes by name)
      const isImage = (file.metadata.isImage ?? file.contentType.startsWith('image/')) && file.contentType !== 'image/svg+xml';
      if (isImage && file.status !== 'failed' && file.sizeBytes <= ATTACHMENT_IMAGE_MAX_BYTES) {
        try {
          const bytes = await readObject(await services.storage.get(file.storageKey), ATTACHMENT_IMAGE_MAX_BYTES);
          attachment.image = { dataUrl: `data:${file.contentType};base64,${bytes.toString('base64')}` };
        } catch (error) {
          services.logger.warn({ err: error, fileId: file.id }, 'could not read an image attachment');
        }
      }
      byMessage.get(messageId)?.push(attachment);
    }),
  );
  // Promise.all finishes in any order: restore attachment order.
  for (const [messageId, list] of byMessage) {
    const order = rows.filter((r) => r.messageId === messageId).map((r) => r.file.id);
    list.sort((a, b) => order.indexOf(a.fileId) - order.indexOf(b.fileId));
  }
  return byMessage;
}
