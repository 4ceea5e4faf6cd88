import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import { expireUpload, purgeDeletedFile } from '../../services/file-cleanup.ts';
import { ingestFile } from '../../services/file-ingestion.ts';
import { addJob, defineTask } from '../define-task.ts';

const fileIdPayload = z.object({ fileId: z.uuid() });

/** Extracts a new file's text for search and teammates (enqueued with the file's row). */
export const ingestFileTask = defineTask<AppServices, typeof fileIdPayload>({
  name: 'files__ingest',
  payload: fileIdPayload,
  spec: { maxAttempts: 5 },
  async run({ fileId }, services, helpers) {
    await ingestFile(services, fileId, { lastAttempt: helpers.job.attempts >= helpers.job.max_attempts });
  },
});

/** Discards a direct upload nobody completed (enqueued with the pending row, to run at its expiry). */
export const expireUploadTask = defineTask<AppServices, typeof fileIdPayload>({
  name: 'files__expire_upload',
  payload: fileIdPayload,
  spec: { maxAttempts: 10 },
  async run({ fileId }, services) {
    const { retryAt } = await expireUpload(services, fileId);
    if (retryAt) await addJob(services.db, expireUploadTask, { fileId }, { runAt: retryAt });
  },
});

/** Removes a deleted file's bytes from storage (enqueued with the deletion; retried until done). */
export const purgeFileTask = defineTask<AppServices, typeof fileIdPayload>({
  name: 'files__purge',
  payload: fileIdPayload,
  spec: { maxAttempts: 25 },
  async run({ fileId }, services) {
    await purgeDeletedFile(services, fileId);
  },
});
