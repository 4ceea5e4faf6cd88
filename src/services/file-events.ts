import { oncePerEvent, type BusEvent, type FileChange } from '../realtime/events.ts';
import { findFilesInOrg, type StoredFile } from '../repositories/files.ts';
import type { AppServices } from '../core/context.ts';
import type { Viewer } from '../core/viewer.ts';

/** What a `viewerEvents` subscriber receives when a file changes (before GraphQL shapes it). */
export interface FileEventPayload {
  type: 'file';
  change: FileChange;
  fileId: string;
  /** The file as it is now; null once deleted. */
  file: StoredFile | null;
  /** Files belong to the organisation, not to a thread. */
  thread: null;
}

type FileBusEvent = Extract<BusEvent, { kind: 'file' }>;

const fileOf = oncePerEvent((event: FileBusEvent, services: AppServices) =>
  findFilesInOrg(services.db, event.orgId, [event.fileId]).then(([f]) => f),
);

/**
 * The `viewerEvents` payload of a file change for one subscriber: every member of the file's
 * organisation gets it (as they can list the file); undefined for anyone else, or when the file
 * was deleted meanwhile (its own event follows).
 */
export async function fileEventFor(services: AppServices, viewer: Viewer, event: FileBusEvent): Promise<FileEventPayload | undefined> {
  if (event.orgId !== viewer.org.id) return undefined;
  let file: StoredFile | undefined;
  if (event.change !== 'deleted') {
    file = await fileOf(event, services);
    if (!file) return undefined;
  }
  return { type: 'file', change: event.change, fileId: event.fileId, file: file ?? null, thread: null };
}

/** Announces a change of a file outside a transaction (ingestion steps are single statements). */
export async function publishFileChange(services: Pick<AppServices, 'bus' | 'logger'>, file: Pick<StoredFile, 'id' | 'orgId'>, change: FileChange): Promise<void> {
  await services.bus
    .publish([{ kind: 'file', orgId: file.orgId, fileId: file.id, change }])
    .catch((error) => services.logger.error({ err: error, fileId: file.id }, 'publishing a file event failed'));
}
