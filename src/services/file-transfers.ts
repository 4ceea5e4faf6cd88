import { Readable } from 'node:stream';
import { findFileById, type StoredFile } from '../repositories/files.ts';
import type { AppServices } from '../core/context.ts';
import { LocalFileStorage } from '../storage/local-storage.ts';
import { contentDisposition, ObjectNotFoundError } from '../storage/types.ts';

/** What the HTTP route answers: a status, headers, and a body (a stream, or a short text). */
export interface TransferResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Readable | string;
}

const text = (status: number, body: string): TransferResponse => ({ status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body });

/** The local backend checks its own URLs; with S3 or Supabase the API serves no bytes at all. */
function checkSignature(
  services: AppServices,
  purpose: 'download' | 'upload',
  fileId: string,
  query: URLSearchParams,
): { storage: LocalFileStorage } | TransferResponse {
  const { storage } = services;
  if (!(storage instanceof LocalFileStorage)) return text(404, 'Not found');
  const check = storage.verify(purpose, fileId, query.get('expires'), query.get('sig'));
  if (check === 'expired') return text(403, 'This link has expired; ask for a new one');
  if (check === 'invalid') return text(403, 'This link is not valid');
  return { storage };
}

/** `GET /files/<id>?expires=…&sig=…`: the bytes of a file, for whoever holds a valid signed URL. */
export async function serveSignedDownload(services: AppServices, fileId: string, query: URLSearchParams): Promise<TransferResponse> {
  const checked = checkSignature(services, 'download', fileId, query);
  if (!('storage' in checked)) return checked;
  const file = await findFileById(services.db, fileId);
  if (!file || file.deletedAt || file.status === 'pending') return text(404, 'This file no longer exists');
  try {
    const body = await checked.storage.get(file.storageKey);
    return {
      status: 200,
      headers: {
        'content-type': file.contentType,
        'content-length': String(file.sizeBytes),
        'content-disposition': contentDisposition(file.name),
        // Served as a download, never rendered as a page of this origin.
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, no-store',
      },
      body,
    };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return text(404, 'This file no longer exists');
    throw error;
  }
}

class TooLarge extends Error {}

/** Passes a request body through, failing once it exceeds `max` bytes. */
async function* limited(body: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max) throw new TooLarge();
    yield chunk;
  }
}

const awaitingBytes = (file: StoredFile | undefined): file is StoredFile =>
  Boolean(file && !file.deletedAt && file.status === 'pending' && file.uploadExpiresAt && file.uploadExpiresAt.getTime() > Date.now());

/**
 * `PUT /files/<id>/content?expires=…&sig=…`: the bytes of a pending direct upload (local backend).
 * At most the declared size is accepted; the object appears only once every byte is written.
 */
export async function receiveSignedUpload(
  services: AppServices,
  fileId: string,
  query: URLSearchParams,
  request: { body: AsyncIterable<Uint8Array> | null; contentLength: string | null },
): Promise<TransferResponse> {
  const checked = checkSignature(services, 'upload', fileId, query);
  if (!('storage' in checked)) return checked;
  const file = await findFileById(services.db, fileId);
  if (!awaitingBytes(file)) return text(404, 'No upload is waiting for these bytes');
  if (request.contentLength !== null && Number(request.contentLength) > file.sizeBytes) {
    return text(413, `At most ${file.sizeBytes} bytes were declared for this upload`);
  }
  try {
    await checked.storage.put(file.storageKey, Readable.from(limited(request.body ?? (async function* () {})(), file.sizeBytes)), {
      contentType: file.contentType,
    });
  } catch (error) {
    if (error instanceof TooLarge) return text(413, `At most ${file.sizeBytes} bytes were declared for this upload`);
    throw error;
  }
  return { status: 200 };
}
