import type { Readable } from 'node:stream';

export type StorageBackendName = 'local' | 's3' | 'supabase';

/** Where and how a client sends the bytes of a direct upload. */
export interface UploadTarget {
  url: string;
  method: 'PUT';
  /** Headers the client must send with the bytes (e.g. the content type the URL was signed for). */
  headers: Record<string, string>;
}

export interface DownloadUrlOptions {
  /** The file the object belongs to (the local backend's URL names it). */
  fileId: string;
  /** Name offered to the browser in Content-Disposition. */
  fileName: string;
  contentType: string;
  expiresInSeconds: number;
}

export interface UploadUrlOptions {
  fileId: string;
  contentType: string;
  /** Declared size in bytes. */
  size: number;
  expiresInSeconds: number;
}

/**
 * One object store behind every backend (local disk, S3-compatible, Supabase Storage). Keys are
 * made by the files service from organisation and file ids — never from a name a person chose.
 */
export interface FileStorage {
  readonly backend: StorageBackendName;
  /** Stores an object; a stream needs `size` for backends that must know it up front. */
  put(key: string, body: Uint8Array | Readable, options: { contentType: string; size?: number }): Promise<void>;
  /** Streams an object's bytes; an ObjectNotFoundError when there is none. */
  get(key: string): Promise<Readable>;
  /** The object's size, or undefined when it does not exist. */
  head(key: string): Promise<{ size: number } | undefined>;
  /** Removes an object; removing one that is not there is not an error. */
  delete(key: string): Promise<void>;
  /** A URL anyone holding it can download the object from until it expires. */
  downloadUrl(key: string, options: DownloadUrlOptions): Promise<string>;
  /** A URL a client can PUT the object's bytes to, directly, until it expires. */
  uploadUrl(key: string, options: UploadUrlOptions): Promise<UploadTarget>;
}

export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError';
  constructor(key: string) {
    super(`no stored object at ${key}`);
  }
}

/** `attachment; filename="…"; filename*=UTF-8''…` — an ASCII fallback plus the exact name. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
