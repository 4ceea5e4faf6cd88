import { parentPort, workerData } from 'node:worker_threads';
import { inflateSync, constants } from 'node:zlib';
import { ExtractionError, extractText } from './file-text.ts';

/**
 * Runs in the extraction worker thread: checks what the file would decompress to, then extracts
 * its text, and posts `{ ok, extraction }` or `{ ok: false, message }` to the parent.
 */
interface Input {
  bytes: Uint8Array;
  contentType: string;
  maxBytes: number;
}

const STREAM = /stream\r?\n/g;

/**
 * Total size of a PDF's Flate-compressed streams once inflated, stopping as soon as it passes
 * `limit` (zlib's `maxOutputLength`: the bomb is never inflated whole). pdf.js would otherwise
 * inflate every content stream in full, whatever its size.
 */
export function pdfInflatedSize(bytes: Uint8Array, limit: number): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString('latin1');
  let total = 0;
  for (const match of text.matchAll(STREAM)) {
    const start = match.index + match[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) break;
    const dictionary = text.slice(Math.max(0, text.lastIndexOf('<<', match.index)), match.index);
    if (!dictionary.includes('/FlateDecode')) continue;
    try {
      total += inflateSync(buffer.subarray(start, end), { maxOutputLength: Math.max(1, limit - total + 1), finishFlush: constants.Z_SYNC_FLUSH }).length;
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return limit + 1;
      // A damaged stream: pdf.js decides what to do with it.
    }
    if (total > limit) return total;
  }
  return total;
}

const input = workerData as Input;
try {
  if (input.contentType.startsWith('application/pdf') && pdfInflatedSize(input.bytes, input.maxBytes) > input.maxBytes) {
    throw new ExtractionError(`The PDF decompresses to more than ${Math.round(input.maxBytes / 1024 / 1024)} MB; it was not read`);
  }
  const extraction = await extractText(input.bytes, input.contentType);
  parentPort!.postMessage({ ok: true, extraction });
} catch (error) {
  parentPort!.postMessage({ ok: false, expected: error instanceof ExtractionError, message: (error as Error).message });
}
