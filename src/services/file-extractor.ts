import { Worker } from 'node:worker_threads';
import type { Limits } from '../config/config.ts';
import { ExtractionError, type Extraction } from './file-text.ts';

/**
 * Extracts a file's text (file-text.ts) in a worker thread of its own, so a hostile or broken
 * file costs the API nothing: the event loop never parses it, and the thread has caps on
 *   - memory: `resourceLimits` (FILE_EXTRACT_MEMORY_MB of heap); over it the thread dies;
 *   - time: FILE_EXTRACT_TIMEOUT_MS, then the thread is terminated;
 *   - decompressed size: a PDF whose compressed streams inflate past FILE_EXTRACT_MAX_BYTES is
 *     refused before pdf.js reads it, and so is extracted text past it.
 * Over a cap the result is an ExtractionError with a readable message (the file ends FAILED).
 * One thread per file: its memory is returned whole when it ends.
 */
export async function extractInWorker(bytes: Uint8Array, contentType: string, limits: Limits['fileExtraction']): Promise<Extraction> {
  const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
  const worker = new Worker(new URL('./file-extract-thread.mjs', import.meta.url), {
    workerData: { bytes, contentType, maxBytes: limits.maxBytes },
    resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, limits.memoryMb / 8)) },
    stdout: true,
    stderr: true,
  });
  // pdf.js writes warnings about damaged files; they are not ours to print.
  worker.stdout.resume();
  worker.stderr.resume();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<Extraction>((resolve, reject) => {
      timer = setTimeout(() => {
        reject(new ExtractionError(`Reading the file took longer than ${Math.round(limits.timeoutMs / 1000)} s; it was stopped`));
        void worker.terminate();
      }, limits.timeoutMs);
      worker.once('message', (message: { ok: true; extraction: Extraction } | { ok: false; expected: boolean; message: string }) => {
        if (!message.ok) {
          reject(message.expected ? new ExtractionError(message.message) : new Error(message.message));
          return;
        }
        const size = Buffer.byteLength(message.extraction.text ?? '');
        if (size > limits.maxBytes) reject(new ExtractionError(`The file's text is larger than ${mb(limits.maxBytes)}; it was not kept`));
        else resolve(message.extraction);
      });
      worker.once('error', (error: Error & { code?: string }) => {
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') reject(new ExtractionError(`Reading the file needed more than ${limits.memoryMb} MB of memory; it was stopped`));
        else reject(error);
      });
      worker.once('exit', (code) => reject(new Error(`the extraction thread exited (${code}) without an answer`)));
    });
  } finally {
    clearTimeout(timer);
    void worker.terminate();
  }
}
