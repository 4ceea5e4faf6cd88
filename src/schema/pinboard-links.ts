import { findFilesInOrg, type StoredFile } from '../repositories/files.ts';
import type { PinboardSource } from '../repositories/pinboard.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { FileRef } from './files.ts';
import { PinboardPostRef } from './pinboard.ts';

/** Files by id, batched per operation, only the caller's organisation's and not deleted. */
const fileOf = batched<StoredFile | null>(async (ctx, ids) => {
  if (!ctx.viewer) return new Map();
  return new Map((await findFilesInOrg(ctx.db, ctx.viewer.org.id, ids)).map((f) => [f.id, f]));
}, null);

export const PinboardSourceRef = builder.objectRef<PinboardSource>('PinboardSource').implement({
  description: 'Something a pinboard post cites.',
  fields: (t) => ({
    url: t.exposeString('url', { description: 'An http or https URL.' }),
    label: t.exposeString('label', { description: 'What to call it (1–200 characters).' }),
  }),
});

builder.objectFields(PinboardPostRef, (t) => ({
  sources: t.field({ type: [PinboardSourceRef], description: 'What it cites, in order.', resolve: (p) => p.sources }),
  attachments: t.field({
    type: [FileRef],
    description: 'Files of the organisation attached to it, in order (deleted files no longer listed).',
    resolve: async (p, _a, ctx) => (await Promise.all(p.attachmentFileIds.map((id) => fileOf(ctx, id)))).filter((f): f is StoredFile => f !== null),
  }),
  coverImage: t.field({
    type: FileRef,
    nullable: true,
    description: 'An image file shown above it; null when it has none (or the file was deleted).',
    resolve: (p, _a, ctx) => (p.coverImageFileId ? fileOf(ctx, p.coverImageFileId) : null),
  }),
}));
