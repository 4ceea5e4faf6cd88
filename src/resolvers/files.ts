import { withStatementTimeout } from '../db/statement-timeout.ts';
import { resolveCursorConnection } from '@pothos/plugin-relay';
import { listFiles, type StoredFile } from '../repositories/files.ts';
import { builder } from '../schema/builder.ts';
import { decodePosition, encodePosition } from '../schema/cursors.ts';
import { FileRef, FileStatusEnum } from '../schema/files.ts';
import { requireViewer } from '../core/context.ts';
import { ForbiddenError, NotFoundError, PlanLimitError, ValidationError } from '../services/errors.ts';
import { completeUpload, createUploadUrl, deleteFile, uploadFile, type DirectUpload } from '../services/files.ts';
import { searchText } from '../services/text.ts';

const asFilePosition = (p: { at: Date; id: string } | undefined) => p && { createdAt: p.at, id: p.id };

builder.queryFields((t) => ({
  files: t.connection({
    type: FileRef,
    description: 'Files of the current organisation, newest first. Pending direct uploads are left out unless asked for by `status`.',
    args: {
      search: t.arg.string({ description: 'Words to find in file names and extracted text (web-search syntax: "phrases", -excluded, or).' }),
      status: t.arg({ type: FileStatusEnum, description: 'Only files in this state.' }),
    },
    resolve: (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      const search = searchText(args.search ?? '').slice(0, 500) || undefined;
      return resolveCursorConnection<Promise<StoredFile[]>>(
        { args, toCursor: (f) => encodePosition(f.createdAt, f.id), defaultSize: 50, maxSize: 200 },
        ({ after, before, limit, inverted }) => {
          const page = {
            limit,
            inverted,
            after: asFilePosition(decodePosition(after)),
            before: asFilePosition(decodePosition(before)),
            search,
            status: args.status ?? undefined,
          };
          // A full-text search has a deadline (SEARCH_TIMEOUT_MS); a plain listing is cheap.
          return search
            ? withStatementTimeout(ctx.db, ctx.config.limits.searchTimeoutMs, (trx) => listFiles(trx, viewer.org.id, page))
            : listFiles(ctx.db, viewer.org.id, page);
        },
      );
    },
  }),
  file: t.field({
    type: FileRef,
    nullable: true,
    description: 'One file of the current organisation; null if there is none with that id.',
    args: { id: t.arg.globalID({ required: true, for: FileRef, description: 'File id.' }) },
    resolve: (_root, args, ctx) => {
      requireViewer(ctx);
      return args.id.id;
    },
  }),
}));

const UploadFileInput = builder.inputType('UploadFileInput', {
  description: 'A file sent in the same request (GraphQL multipart request spec).',
  fields: (t) => ({
    file: t.field({ type: 'Upload', required: true, description: 'The file part (at most FILE_MAX_BYTES, 25 MB by default).' }),
  }),
});

const CreateUploadUrlInput = builder.inputType('CreateUploadUrlInput', {
  description: 'A file the client will upload directly to storage (for large files).',
  fields: (t) => ({
    name: t.string({ required: true, description: 'File name (sanitised).' }),
    contentType: t.string({ required: true, description: 'Media type the client will send; checked again on the bytes.' }),
    size: t.int({ required: true, description: 'Exact size in bytes.' }),
  }),
});

const CompleteUploadInput = builder.inputType('CompleteUploadInput', {
  description: 'A direct upload whose bytes were PUT to its upload URL.',
  fields: (t) => ({ fileId: t.globalID({ required: true, for: FileRef, description: 'The pending file.' }) }),
});

const DeleteFileInput = builder.inputType('DeleteFileInput', {
  description: 'A file to delete.',
  fields: (t) => ({ id: t.globalID({ required: true, for: FileRef, description: 'The file.' }) }),
});

const HttpHeaderRef = builder.objectRef<{ name: string; value: string }>('HttpHeader').implement({
  description: 'An HTTP header a client must send.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Header name.' }),
    value: t.exposeString('value', { description: 'Header value.' }),
  }),
});

const CreateUploadUrlPayload = builder.objectRef<DirectUpload>('CreateUploadUrlPayload').implement({
  description: 'Where to send the bytes: PUT them to `uploadUrl` with `uploadHeaders`, then call `completeUpload`.',
  fields: (t) => ({
    file: t.field({ type: FileRef, description: 'The pending file.', resolve: (p) => p.file }),
    uploadUrl: t.string({ description: 'Signed URL to send the bytes to (storage, or this API for local storage).', resolve: (p) => p.upload.url }),
    uploadMethod: t.string({ description: 'HTTP method: PUT.', resolve: (p) => p.upload.method }),
    uploadHeaders: t.field({
      type: [HttpHeaderRef],
      description: 'Headers to send with the bytes.',
      resolve: (p) => Object.entries(p.upload.headers).map(([name, value]) => ({ name, value })),
    }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'Complete the upload before this; after it the pending file is discarded.' }),
  }),
});

const DeleteFilePayload = builder.objectRef<{ deletedFileId: string }>('DeleteFilePayload').implement({
  description: 'The file is gone.',
  fields: (t) => ({
    deletedFileId: t.globalID({ description: 'Id of the deleted file.', resolve: (p) => ({ type: 'File', id: p.deletedFileId }) }),
  }),
});

builder.mutationFields((t) => ({
  uploadFile: t.field({
    type: FileRef,
    description:
      'Uploads a file in a multipart request. Size, type (from the bytes) and the plan’s storage are checked first; a refused file stores nothing. Processing follows in the background.',
    errors: { types: [ValidationError, PlanLimitError] },
    args: { input: t.arg({ type: UploadFileInput, required: true }) },
    resolve: (_root, { input }, ctx) => uploadFile(ctx.services, requireViewer(ctx), input.file),
  }),
  createUploadUrl: t.field({
    type: CreateUploadUrlPayload,
    description: 'Starts a direct upload for large files: reserves the size under the plan and returns a signed URL to PUT the bytes to.',
    errors: { types: [ValidationError, PlanLimitError] },
    args: { input: t.arg({ type: CreateUploadUrlInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      createUploadUrl(ctx.services, requireViewer(ctx), { name: input.name, contentType: input.contentType, size: input.size }),
  }),
  completeUpload: t.field({
    type: FileRef,
    description: 'Finishes a direct upload: checks size, SHA-256 and type of the stored bytes, then queues processing. Refused bytes are discarded.',
    errors: { types: [ValidationError, NotFoundError, PlanLimitError] },
    args: { input: t.arg({ type: CompleteUploadInput, required: true }) },
    resolve: (_root, { input }, ctx) => completeUpload(ctx.services, requireViewer(ctx), input.fileId.id),
  }),
  deleteFile: t.field({
    type: DeleteFilePayload,
    description: 'Deletes a file and its bytes. Messages it was attached to no longer list it.',
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: DeleteFileInput, required: true }) },
    resolve: (_root, { input }, ctx) => deleteFile(ctx.services, requireViewer(ctx), input.id.id),
  }),
}));
