import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { ObjectNotFoundError, type DownloadUrlOptions, type FileStorage, type UploadTarget, type UploadUrlOptions } from './types.ts';

export interface SupabaseStorageOptions {
  url: string;
  serviceRoleKey: string;
  /** A private bucket that already exists. */
  bucket: string;
}

const statusOf = (error: unknown): number | undefined => {
  const e = error as { status?: number; statusCode?: string | number; originalError?: { status?: number } };
  return e.status ?? (e.statusCode !== undefined ? Number(e.statusCode) : undefined) ?? e.originalError?.status;
};
const isMissing = (error: unknown) => [400, 404].includes(statusOf(error) ?? 0) || /not found/i.test(String((error as Error).message));

/**
 * Supabase Storage, through supabase-js with the service-role key (the API authorises every
 * request itself; the bucket stays private). Direct uploads use Supabase's signed upload URLs,
 * downloads its signed URLs.
 */
export class SupabaseFileStorage implements FileStorage {
  readonly backend = 'supabase' as const;
  private readonly bucket;

  constructor(options: SupabaseStorageOptions) {
    const client = createClient(options.url, options.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      // Node 20 has no global WebSocket; the realtime client is never connected here, but is built.
      realtime: { transport: WebSocket as never },
    });
    this.bucket = client.storage.from(options.bucket);
  }

  async put(key: string, body: Uint8Array | Readable, options: { contentType: string }): Promise<void> {
    const bytes = body instanceof Uint8Array ? body : Buffer.concat(await body.toArray());
    const { error } = await this.bucket.upload(key, bytes, { contentType: options.contentType, upsert: false });
    if (error) throw error;
  }

  async get(key: string): Promise<Readable> {
    const { data, error } = await this.bucket.download(key).asStream();
    if (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
    return Readable.fromWeb(data as unknown as WebReadableStream);
  }

  async head(key: string): Promise<{ size: number } | undefined> {
    const { data, error } = await this.bucket.info(key);
    if (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    return { size: Number(data.size ?? 0) };
  }

  async delete(key: string): Promise<void> {
    const { error } = await this.bucket.remove([key]);
    if (error && !isMissing(error)) throw error;
  }

  async downloadUrl(key: string, options: DownloadUrlOptions): Promise<string> {
    const { data, error } = await this.bucket.createSignedUrl(key, options.expiresInSeconds, { download: options.fileName });
    if (error) throw error;
    return data.signedUrl;
  }

  async uploadUrl(key: string, options: UploadUrlOptions): Promise<UploadTarget> {
    const { data, error } = await this.bucket.createSignedUploadUrl(key);
    if (error) throw error;
    return { url: data.signedUrl, method: 'PUT', headers: { 'content-type': options.contentType } };
  }
}
