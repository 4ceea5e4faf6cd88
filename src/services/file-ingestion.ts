import { Readable } from 'node:stream';
import { claimForProcessing, finishProcessing, findFileById } from '../repositories/files.ts';
import type { AppServices } from '../core/context.ts';
import { ObjectNotFoundError } from '../storage/types.ts';
import { publishFileChange } from './file-events.ts';
import { extractInWorker } from './file-extractor.ts';
import { ExtractionError } from './file-text.ts';
import { filesIngested } from '../observability/metrics.ts';

/** Reads a whole object into memory, refusing more than `max` bytes. */
export async function readObject(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) {
      stream.destroy();
      throw new ExtractionError(`The stored file is larger than the ${max}-byte limit`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Job body of `files__ingest`: UPLOADED → PROCESSING → READY (text extracted and indexed) or
 * FAILED (with a reason a person can read). Safe to run twice: a file that is ready, failed or
 * deleted is left alone, and a crashed attempt's PROCESSING is taken over. A file whose bytes
 * cannot be read as their type fails at once; a storage outage is retried by the queue, and only
 * the last attempt marks the file failed.
 */
export async function ingestFile(services: AppServices, fileId: string, options: { lastAttempt: boolean }): Promise<void> {
  const log = services.logger.child({ component: 'files', fileId });
  const file = await claimForProcessing(services.db, fileId);
  if (!file) {
    const current = await findFileById(services.db, fileId);
    log.debug({ status: current?.status, deleted: Boolean(current?.deletedAt) }, 'nothing to ingest');
    return;
  }
  await publishFileChange(services, file, 'processing');
  const finish = async (values: Parameters<typeof finishProcessing>[2]) => {
    const finished = await finishProcessing(services.db, file.id, values);
    if (finished) filesIngested.inc({ status: values.status });
    if (finished) await publishFileChange(services, finished, values.status);
  };
  try {
    const bytes = await readObject(await services.storage.get(file.storageKey), Math.max(file.sizeBytes, services.config.storage.maxBytes));
    // In a worker thread with memory, time and size caps: a poison file cannot stall the API.
    const { text, metadata } = await extractInWorker(bytes, file.contentType, services.config.limits.fileExtraction);
    await finish({ status: 'ready', extractedText: text, metadata });
    log.info({ contentType: file.contentType, chars: text?.length ?? 0, ...metadata }, 'file ingested');
  } catch (error) {
    if (error instanceof ExtractionError) {
      await finish({ status: 'failed', error: error.message });
      log.info({ reason: error.message }, 'file could not be ingested');
      return;
    }
    if (error instanceof ObjectNotFoundError || options.lastAttempt) {
      const reason = error instanceof ObjectNotFoundError ? 'The stored bytes of this file are missing' : 'The file could not be processed; try uploading it again';
      await finish({ status: 'failed', error: reason });
      log.error({ err: error }, 'file ingestion failed');
      return;
    }
    throw error;
  }
}
