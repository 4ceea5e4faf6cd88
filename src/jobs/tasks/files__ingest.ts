import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import type { JobPayloads } from '../../core/jobs.ts';
import { ingestFile } from '../../services/file-ingestion.ts';
import { defineTask } from '../define-task.ts';

const payload = z.object({ fileId: z.uuid() }) satisfies z.ZodType<JobPayloads['files__ingest']>;

/** Extracts a new file's text for search and teammates (enqueued with the file's row). */
export const ingestFileTask = defineTask<AppServices, typeof payload>({
  name: 'files__ingest',
  payload,
  spec: { maxAttempts: 5 },
  async run({ fileId }, services, helpers) {
    await ingestFile(services, fileId, { lastAttempt: helpers.job.attempts >= helpers.job.max_attempts });
  },
});
