import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import type { JobPayloads } from '../../core/jobs.ts';
import { purgeDeletedFile } from '../../services/file-cleanup.ts';
import { defineTask } from '../define-task.ts';

const payload = z.object({ fileId: z.uuid() }) satisfies z.ZodType<JobPayloads['files__purge']>;

/** Removes a deleted file's bytes from storage (enqueued with the deletion; retried until done). */
export const purgeFileTask = defineTask<AppServices, typeof payload>({
  name: 'files__purge',
  payload,
  spec: { maxAttempts: 25 },
  async run({ fileId }, services) {
    await purgeDeletedFile(services, fileId);
  },
});
