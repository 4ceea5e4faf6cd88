import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import type { JobPayloads } from '../../core/jobs.ts';
import { addJob } from '../../repositories/jobs.ts';
import { expireUpload } from '../../services/file-cleanup.ts';
import { defineTask } from '../define-task.ts';

const payload = z.object({ fileId: z.uuid() }) satisfies z.ZodType<JobPayloads['files__expire_upload']>;

/** Discards a direct upload nobody completed (enqueued with the pending row, to run at its expiry). */
export const expireUploadTask = defineTask<AppServices, typeof payload>({
  name: 'files__expire_upload',
  payload,
  spec: { maxAttempts: 10 },
  async run({ fileId }, services) {
    const { retryAt } = await expireUpload(services, fileId);
    if (retryAt) await addJob(services.db, expireUploadTask, { fileId }, { runAt: retryAt });
  },
});
