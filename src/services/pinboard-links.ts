import { z } from 'zod';
import type { Executor } from '../db/database.ts';
import { findFilesInOrg } from '../repositories/files.ts';
import { ValidationError } from './errors.ts';
import { textSchema } from './text.ts';

export const MAX_SOURCES = 20;
export const MAX_ATTACHMENTS = 20;

/** `[{ url, label }]`: http and https URLs only (up to 2048 characters), labels of 1–200 characters; duplicates dropped. */
export const sourcesSchema = z
  .array(
    z.object({
      url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048),
      label: textSchema({ max: 200 }),
    }),
  )
  .max(MAX_SOURCES, `at most ${MAX_SOURCES} sources`)
  .transform((list) => list.filter((s, i) => list.findIndex((o) => o.url === s.url) === i));

const uuid = z.uuid({ message: 'must be a file id' });
/** File ids of the organisation, in order; duplicates dropped. */
export const attachmentsSchema = z
  .array(uuid)
  .max(MAX_ATTACHMENTS, `at most ${MAX_ATTACHMENTS} attachments`)
  .transform((ids) => [...new Set(ids)]);
export const coverImageSchema = uuid.nullable();

/**
 * Checks that attachments and the cover image are files of `orgId` (not deleted), and that the
 * cover is an image. A file of another organisation reads as missing. Throws ValidationError
 * (`attachments.<i>`, `coverImage`).
 */
export async function checkPostFiles(
  trx: Executor,
  orgId: string,
  values: { attachmentFileIds?: string[]; coverImageFileId?: string | null },
): Promise<void> {
  const ids = [...(values.attachmentFileIds ?? []), ...(values.coverImageFileId ? [values.coverImageFileId] : [])];
  const found = new Map((await findFilesInOrg(trx, orgId, ids)).map((f) => [f.id, f]));
  const issues: Array<{ field: string; message: string }> = [];
  values.attachmentFileIds?.forEach((id, i) => {
    if (!found.has(id)) issues.push({ field: `attachments.${i}`, message: 'no such file in this organisation' });
  });
  if (values.coverImageFileId) {
    const cover = found.get(values.coverImageFileId);
    if (!cover) issues.push({ field: 'coverImage', message: 'no such file in this organisation' });
    else if (!cover.contentType.startsWith('image/')) issues.push({ field: 'coverImage', message: `must be an image (this file is ${cover.contentType})` });
  }
  if (issues.length) throw new ValidationError(issues);
}
