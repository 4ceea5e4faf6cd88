import { GraphQLError } from 'graphql';
import { textPreviews } from '../repositories/file-search.ts';
import { findFilesInOrg, type StoredFile } from '../repositories/files.ts';
import { filesOfMessages } from '../repositories/message-files.ts';
import { canDeleteFile, downloadUrlOf } from '../services/files.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { MessageRef } from './messages.ts';
import { TeammateRef } from './teammates.ts';
import { UserRef } from './users.ts';

/** Characters of extracted text shown as `textPreview`. */
const PREVIEW_CHARS = 500;

builder.scalarType('Upload', {
  description:
    'A file sent with the GraphQL multipart request spec (`operations`, `map` and one file part; send the `x-graphql-yoga-csrf: 1` header). Input only.',
  serialize: () => {
    throw new GraphQLError('Upload is an input-only scalar');
  },
  parseValue: (value) => {
    const file = value as File | null;
    if (!file || typeof file !== 'object' || typeof file.arrayBuffer !== 'function' || typeof file.size !== 'number') {
      throw new GraphQLError('Upload must be a file part of a multipart request');
    }
    return file;
  },
  parseLiteral: () => {
    throw new GraphQLError('Upload must be a file part of a multipart request, not a literal');
  },
});

export const FileStatusEnum = builder.enumType('FileStatus', {
  description: 'Where a file stands: uploaded files are processed (text extracted, indexed) in the background.',
  values: {
    PENDING: { value: 'pending', description: 'A direct upload waiting for its bytes and `completeUpload`.' },
    UPLOADED: { value: 'uploaded', description: 'Stored; waiting to be processed.' },
    PROCESSING: { value: 'processing', description: 'Text is being extracted.' },
    READY: { value: 'ready', description: 'Processed: searchable and readable by teammates.' },
    FAILED: { value: 'failed', description: 'Could not be processed; see `error`. The bytes can still be downloaded.' },
  } as const,
});

const previewOf = batched<{ preview: string; length: number } | null>((ctx, ids) => textPreviews(ctx.db, ids, PREVIEW_CHARS), null);

export const FileRef = builder.loadableNode('File', {
  description: 'A file of the organisation: uploaded by a person or made by a teammate. Visible to every member.',
  id: { resolve: (f: StoredFile) => f.id },
  sort: (f) => f.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findFilesInOrg(ctx.db, ctx.viewer.org.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name (sanitised: no paths or control characters).' }),
    contentType: t.exposeString('contentType', { description: 'Media type, detected from the bytes (not from the name).' }),
    size: t.int({ description: 'Size in bytes (declared, while PENDING).', resolve: (f) => f.sizeBytes }),
    sha256: t.exposeString('sha256', { nullable: true, description: 'SHA-256 of the bytes, hex (null while PENDING).' }),
    status: t.field({ type: FileStatusEnum, description: 'Pending, uploaded, processing, ready or failed.', resolve: (f) => f.status }),
    error: t.exposeString('error', { nullable: true, description: 'Why processing failed, readable.' }),
    isImage: t.boolean({
      description: 'An image (no text; vision-capable teammates see it).',
      resolve: (f) => f.metadata.isImage ?? f.contentType.startsWith('image/'),
    }),
    pageCount: t.int({ nullable: true, description: 'Pages (PDF), once processed.', resolve: (f) => f.metadata.pageCount ?? null }),
    rowCount: t.int({ nullable: true, description: 'Data rows after the header (CSV, TSV), once processed.', resolve: (f) => f.metadata.rowCount ?? null }),
    textPreview: t.string({
      nullable: true,
      description: `The first ${PREVIEW_CHARS} characters of the extracted text (null until READY, or when there is none).`,
      resolve: async (f, _args, ctx) => (await previewOf(ctx, f.id))?.preview ?? null,
    }),
    textLength: t.int({
      nullable: true,
      description: 'Characters of extracted text (null until READY, or when there is none).',
      resolve: async (f, _args, ctx) => (await previewOf(ctx, f.id))?.length ?? null,
    }),
    downloadUrl: t.string({
      nullable: true,
      description:
        'A signed URL that downloads the bytes without further credentials, fresh on every read and valid DOWNLOAD_URL_TTL_SECONDS (15 minutes by default). Null while PENDING.',
      resolve: (f, _args, ctx) => downloadUrlOf(ctx.services, f),
    }),
    uploadedBy: t.field({ type: UserRef, nullable: true, description: 'The person who uploaded it.', resolve: (f) => f.uploadedBy }),
    createdByTeammate: t.field({
      type: TeammateRef,
      nullable: true,
      description: 'The teammate who made it, for generated files.',
      resolve: (f) => f.createdByTeammateId,
    }),
    viewerCanDelete: t.boolean({
      description: 'Whether the caller may delete it (the uploader, anyone for a teammate’s file, owners and admins).',
      resolve: (f, _args, ctx) => (ctx.viewer ? canDeleteFile(ctx.viewer, f) : false),
    }),
    uploadExpiresAt: t.expose('uploadExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'While PENDING: when the direct upload expires and the file is discarded.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was uploaded or made.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed (status, text).' }),
  }),
});

const filesOf = batched<StoredFile[]>(
  (ctx, ids) => (ctx.viewer ? filesOfMessages(ctx.db, ctx.viewer.org.id, ids) : Promise.resolve(new Map())),
  [],
);

builder.objectField(MessageRef, 'files', (t) =>
  t.field({
    type: [FileRef],
    description: 'Files attached to the message, in order (deleted files are left out). Each has a fresh `downloadUrl`.',
    resolve: (message, _args, ctx) => filesOf(ctx, message.id),
  }),
);
