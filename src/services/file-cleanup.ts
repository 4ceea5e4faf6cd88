import { deleteFileRow, findFileById, type StoredFile } from '../repositories/files.ts';
import type { AppServices } from '../core/context.ts';

/** Removes a stored object, logging (not throwing) a failure: the caller is already failing or done. */
export async function removeObject(services: Pick<AppServices, 'storage' | 'logger'>, key: string): Promise<void> {
  await services.storage.delete(key).catch((error) => services.logger.warn({ err: error, key }, 'removing a stored object failed'));
}

/** Forgets a file that never became one (refused or abandoned direct upload): object, then row. */
export async function discardFile(services: Pick<AppServices, 'db' | 'storage'>, file: Pick<StoredFile, 'id' | 'storageKey'>): Promise<void> {
  await services.storage.delete(file.storageKey);
  await deleteFileRow(services.db, file.id);
}

/**
 * Job body: a direct upload still pending after its URL expired is discarded (the bytes, if some
 * arrived, and the row). Returns the instant to look again when it is not due yet.
 */
export async function expireUpload(services: AppServices, fileId: string): Promise<{ retryAt?: Date }> {
  const file = await findFileById(services.db, fileId);
  if (!file || file.status !== 'pending') return {};
  if (file.uploadExpiresAt && file.uploadExpiresAt.getTime() > Date.now()) return { retryAt: file.uploadExpiresAt };
  await discardFile(services, file);
  services.logger.info({ fileId }, 'discarded an expired direct upload');
  return {};
}

/** Job body: a deleted file's bytes leave storage (safe to repeat; removing nothing is fine). */
export async function purgeDeletedFile(services: Pick<AppServices, 'db' | 'storage'>, fileId: string): Promise<void> {
  const file = await findFileById(services.db, fileId);
  if (!file?.deletedAt) return;
  await services.storage.delete(file.storageKey);
}
