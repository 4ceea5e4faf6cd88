import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { planOf } from './plan-in-force.ts';
import type { Executor } from '../db/database.ts';
import {
  findFilesInOrg,
  insertFile,
  lockFileInOrg,
  markUploaded,
  softDeleteFile,
  storageUsed,
  type StoredFile,
} from '../repositories/files.ts';
import { transactionWithEvents } from '../realtime/transactional.ts';
import { lockOrg } from '../repositories/orgs.ts';
import type { AppServices } from '../core/context.ts';
import type { UploadTarget } from '../storage/types.ts';
import { ForbiddenError, NotFoundError, PlanLimitError, ValidationError } from './errors.ts';
import { discardFile, removeObject } from './file-cleanup.ts';
import { ContentInspector, formatBytes, inspectBytes, isAllowedType, type Inspection } from './file-content.ts';
import { sanitizeFileName } from './file-names.ts';
import { parseInput } from './validation.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';

const MB = 1024 * 1024;

/** Object key of a file: organisation and file ids only — never anything a person typed. */
export const storageKeyFor = (orgId: string, fileId: string) => `${orgId}/${fileId}`;

/** Deleting a file: its uploader, anyone for a teammate's file, and owners and admins for any. */
export function canDeleteFile(viewer: Viewer, file: Pick<StoredFile, 'uploadedBy' | 'orgId'>): boolean {
  return file.orgId === viewer.org.id && (file.uploadedBy === null || file.uploadedBy === viewer.user.id || canManageOrg(viewer.role));
}

function refuse(field: string, message: string): never {
  throw new ValidationError([{ field, message }]);
}

function assertSize(services: Pick<AppServices, 'config'>, size: number, field: string): void {
  const max = services.config.storage.maxBytes;
  if (size > max) refuse(field, `is ${formatBytes(size)}; files may be at most ${formatBytes(max)}`);
  if (size === 0) refuse(field, 'is empty');
}

function assertAllowedType(services: Pick<AppServices, 'config'>, inspection: Pick<Inspection, 'contentType'>, field: string): void {
  if (!isAllowedType(inspection.contentType, services.config.storage.allowedTypes)) {
    refuse(field, `is ${inspection.contentType === 'application/octet-stream' ? 'not a recognised document, text or image' : inspection.contentType}, which this installation does not accept`);
  }
}

/**
 * Checks the plan's storage limit. Inside the writing transaction it must run after `lockOrg`: the
 * lock serialises concurrent uploads of one organisation, so the sum stays true.
 */
async function assertStorageCapacity(services: AppServices, db: Executor, orgId: string, adding: number, exceptId?: string) {
  const max = (await planOf(services, db, orgId)).limits.storageBytes;
  if (max === null) return;
  const used = await storageUsed(db, orgId, exceptId);
  if (used + adding > max) {
    throw new PlanLimitError(
      'storage_mb',
      Math.floor(max / MB),
      `Your plan stores up to ${formatBytes(max)} of files; ${formatBytes(used)} are in use and this file needs ${formatBytes(adding)}. Delete files or upgrade to add more`,
    );
  }
}

async function lockOrgOf(trx: Executor, orgId: string): Promise<void> {
  if (!(await lockOrg(trx, orgId))) throw new NotFoundError('Organisation');
}

/**
 * Stores bytes that passed every check, then records the file and its ingestion job in one
 * transaction under the organisation's lock (the quota is checked again there). The object is
 * written first so no lock is held during I/O; if the transaction fails, the object is removed,
 * so a refused file leaves nothing behind.
 */
async function storeNewFile(
  services: AppServices,
  input: {
    orgId: string;
    uploadedBy: string | null;
    createdByTeammateId?: string | null;
    createdByRunId?: string | null;
    name: string;
    bytes: Uint8Array;
    inspection: Inspection;
  },
): Promise<StoredFile> {
  const { orgId, inspection } = input;
  await assertStorageCapacity(services, services.db, orgId, inspection.size);
  const id = randomUUID();
  const key = storageKeyFor(orgId, id);
  await services.storage.put(key, input.bytes, { contentType: inspection.contentType });
  try {
    return await transactionWithEvents(services, async (trx, emit) => {
      await lockOrgOf(trx, orgId);
      await assertStorageCapacity(services, trx, orgId, inspection.size);
      const file = await insertFile(trx, {
        id,
        orgId,
        uploadedBy: input.uploadedBy,
        createdByTeammateId: input.createdByTeammateId,
        createdByRunId: input.createdByRunId,
        name: input.name,
        contentType: inspection.contentType,
        sizeBytes: inspection.size,
        sha256: inspection.sha256,
        storageBackend: services.storage.backend,
        storageKey: key,
        status: 'uploaded',
      });
      await services.jobs.add(trx, 'files__ingest', { fileId: file.id });
      await emit({ kind: 'file', orgId, fileId: file.id, change: 'uploaded' });
      return file;
    });
  } catch (error) {
    await removeObject(services, key);
    throw error;
  }
}

/** The parts of an uploaded multipart `File` this service reads. */
export interface UploadedBlob {
  name: string;
  size: number;
  type?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * A file sent with the GraphQL multipart request. Size, type (from the bytes) and quota are checked
 * before anything is stored; the name is sanitised; ingestion is queued with the row.
 */
export async function uploadFile(services: AppServices, viewer: Viewer, upload: UploadedBlob): Promise<StoredFile> {
  assertSize(services, upload.size, 'file');
  const name = sanitizeFileName(upload.name);
  const bytes = new Uint8Array(await upload.arrayBuffer());
  assertSize(services, bytes.byteLength, 'file');
  const inspection = await inspectBytes(bytes, name, upload.type);
  assertAllowedType(services, inspection, 'file');
  return storeNewFile(services, { orgId: viewer.org.id, uploadedBy: viewer.user.id, name, bytes, inspection });
}

/**
 * A file a teammate made during a run (a generated image, a report): the same checks as an upload,
 * attributed to the teammate and the run. For the agent runtime.
 */
export async function saveGeneratedFile(
  services: AppServices,
  input: {
    orgId: string;
    teammateId: string;
    runId: string | null;
    name: string;
    bytes: Uint8Array;
    contentType?: string;
    /** Bytes the runtime drew itself (the offline model's SVG images): stored as this type, past the allow-list. */
    trustedContentType?: string;
  },
): Promise<StoredFile> {
  assertSize(services, input.bytes.byteLength, 'bytes');
  const name = sanitizeFileName(input.name);
  const sniffed = await inspectBytes(input.bytes, name, input.contentType);
  const inspection = input.trustedContentType ? { ...sniffed, contentType: input.trustedContentType } : sniffed;
  if (!input.trustedContentType) assertAllowedType(services, inspection, 'bytes');
  return storeNewFile(services, {
    orgId: input.orgId,
    uploadedBy: null,
    createdByTeammateId: input.teammateId,
    createdByRunId: input.runId,
    name,
    bytes: input.bytes,
    inspection,
  });
}

const createUploadUrlSchema = z.object({
  name: z.string().max(1000, 'must be at most 1000 characters'),
  contentType: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][\w.+-]*\/[a-z0-9][\w.+-]*(\s*;.*)?$/, 'must be a media type such as application/pdf'),
  size: z.number().int('must be a whole number of bytes').min(1, 'must be at least 1 byte'),
});

export interface DirectUpload {
  file: StoredFile;
  upload: UploadTarget;
  expiresAt: Date;
}

/**
 * Starts a direct upload: reserves the declared size under the quota and returns a URL the client
 * PUTs the bytes to (storage, not this API, receives them — except for the local backend). The
 * pending file expires with the URL; `completeUpload` verifies the bytes.
 */
export async function createUploadUrl(services: AppServices, viewer: Viewer, input: unknown): Promise<DirectUpload> {
  const values = parseInput(createUploadUrlSchema, input);
  assertSize(services, values.size, 'size');
  const contentType = values.contentType.split(';')[0]!.trim();
  if (!isAllowedType(contentType, services.config.storage.allowedTypes)) refuse('contentType', `${contentType} is not accepted by this installation`);
  const ttl = services.config.storage.uploadUrlTtlSeconds;
  const id = randomUUID();
  const key = storageKeyFor(viewer.org.id, id);
  return services.db.transaction().execute(async (trx) => {
    await lockOrgOf(trx, viewer.org.id);
    await assertStorageCapacity(services, trx, viewer.org.id, values.size);
    const expiresAt = new Date(Date.now() + ttl * 1000);
    const file = await insertFile(trx, {
      id,
      orgId: viewer.org.id,
      uploadedBy: viewer.user.id,
      name: sanitizeFileName(values.name),
      contentType,
      sizeBytes: values.size,
      sha256: null,
      storageBackend: services.storage.backend,
      storageKey: key,
      status: 'pending',
      uploadExpiresAt: expiresAt,
    });
    await services.jobs.add(trx, 'files__expire_upload', { fileId: file.id }, { runAt: new Date(expiresAt.getTime() + 60_000) });
    const upload = await services.storage.uploadUrl(key, { fileId: id, contentType, size: values.size, expiresInSeconds: ttl });
    return { file, upload, expiresAt };
  });
}

/** Streams a stored object through the inspector, stopping past `max` bytes. */
async function inspectStored(services: Pick<AppServices, 'storage'>, file: StoredFile, max: number): Promise<Inspection> {
  const inspector = new ContentInspector(file.name, file.contentType);
  const stream = await services.storage.get(file.storageKey);
  for await (const chunk of stream) {
    inspector.update(chunk as Uint8Array);
    if (inspector.size > max) {
      stream.destroy();
      break;
    }
  }
  return inspector.finish();
}

/**
 * Finishes a direct upload: the stored object must exist and be exactly the declared size, and its
 * bytes must be an allowed type; then the file becomes UPLOADED and ingestion is queued. Bytes that
 * fail a check are discarded with the pending file. Completing a completed file returns it.
 */
export async function completeUpload(services: AppServices, viewer: Viewer, fileId: string): Promise<StoredFile> {
  const [file] = await findFilesInOrg(services.db, viewer.org.id, [fileId]);
  if (!file || (file.status === 'pending' && file.uploadedBy !== viewer.user.id)) throw new NotFoundError('File');
  if (file.status !== 'pending') return file;
  if (file.uploadExpiresAt && file.uploadExpiresAt.getTime() < Date.now()) {
    await discardFile(services, file);
    refuse('fileId', 'the upload URL expired before the upload was completed; ask for a new one');
  }
  const stored = await services.storage.head(file.storageKey);
  if (!stored) refuse('fileId', 'no bytes have been uploaded for this file yet');
  const max = services.config.storage.maxBytes;
  const inspection = stored.size === file.sizeBytes && stored.size <= max ? await inspectStored(services, file, max) : undefined;
  try {
    if (!inspection || inspection.size !== file.sizeBytes) {
      refuse('fileId', `the uploaded bytes (${formatBytes(inspection?.size ?? stored.size)}) are not the declared ${formatBytes(file.sizeBytes)}`);
    }
    assertAllowedType(services, inspection, 'fileId');
    return await transactionWithEvents(services, async (trx, emit) => {
      await lockOrgOf(trx, viewer.org.id);
      const locked = await lockFileInOrg(trx, viewer.org.id, file.id);
      if (!locked) throw new NotFoundError('File');
      if (locked.status !== 'pending') return locked;
      await assertStorageCapacity(services, trx, viewer.org.id, inspection.size, file.id);
      const uploaded = await markUploaded(trx, file.id, {
        sizeBytes: inspection.size,
        sha256: inspection.sha256,
        contentType: inspection.contentType,
      });
      await services.jobs.add(trx, 'files__ingest', { fileId: file.id });
      await emit({ kind: 'file', orgId: viewer.org.id, fileId: file.id, change: 'uploaded' });
      return uploaded;
    });
  } catch (error) {
    if (error instanceof ValidationError || error instanceof PlanLimitError) await discardFile(services, file);
    throw error;
  }
}

/**
 * Deletes a file: it disappears at once (a tombstone row stays for message history; its text is
 * dropped) and its bytes leave storage right after commit, with a job to retry that if it fails.
 */
export async function deleteFile(services: AppServices, viewer: Viewer, fileId: string): Promise<{ deletedFileId: string }> {
  const file = await transactionWithEvents(services, async (trx, emit) => {
    const locked = await lockFileInOrg(trx, viewer.org.id, fileId);
    if (!locked) throw new NotFoundError('File');
    if (!canDeleteFile(viewer, locked)) throw new ForbiddenError('Only the uploader and organisation admins can delete this file');
    await softDeleteFile(trx, locked.id);
    await services.jobs.add(trx, 'files__purge', { fileId: locked.id });
    await emit({ kind: 'file', orgId: locked.orgId, fileId: locked.id, change: 'deleted' });
    return locked;
  });
  await removeObject(services, file.storageKey);
  return { deletedFileId: file.id };
}

/** A fresh signed download URL, or null while the bytes are not there (pending) or after deletion. */
export async function downloadUrlOf(services: Pick<AppServices, 'config' | 'storage'>, file: StoredFile): Promise<string | null> {
  if (file.status === 'pending' || file.deletedAt) return null;
  return services.storage.downloadUrl(file.storageKey, {
    fileId: file.id,
    fileName: file.name,
    contentType: file.contentType,
    expiresInSeconds: services.config.storage.downloadUrlTtlSeconds,
  });
}
