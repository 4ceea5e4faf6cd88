import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UrlSigner, type SignatureCheck, type SignedPurpose } from './signed-urls.ts';
import { ObjectNotFoundError, type DownloadUrlOptions, type FileStorage, type UploadTarget, type UploadUrlOptions } from './types.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const KEY = new RegExp(`^${UUID}/${UUID}$`);

/**
 * Files on the local disk under `TMATES_HOME/files/<org id>/<file id>`. Keys are two uuids (checked
 * here again), so no name a person chose ever becomes part of a path. Objects are written to a
 * temporary name and renamed into place, so a failed or cut-off write leaves nothing behind.
 * Downloads and direct uploads go through the API itself (`/files/<id>`), with HMAC-signed,
 * expiring URLs.
 */
export class LocalFileStorage implements FileStorage {
  readonly backend = 'local' as const;
  private readonly signer: UrlSigner;

  constructor(
    readonly root: string,
    secret: string,
    /** Base URL clients reach the API at (PUBLIC_URL, else the listening address). */
    private readonly publicUrl: () => string,
  ) {
    this.signer = new UrlSigner(secret);
  }

  /** Absolute path of a key, refusing anything that is not `<uuid>/<uuid>`. */
  pathOf(key: string): string {
    if (!KEY.test(key)) throw new Error(`invalid storage key "${key.slice(0, 80)}"`);
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep)) throw new Error('storage key escapes the storage folder');
    return full;
  }

  async put(key: string, body: Uint8Array | Readable, _options?: { contentType: string }): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
    try {
      if (body instanceof Uint8Array) await writeFile(temporary, body, { flag: 'wx', mode: 0o600 });
      else await pipeline(body, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    if (!(await this.head(key))) throw new ObjectNotFoundError(key);
    return createReadStream(file);
  }

  async head(key: string): Promise<{ size: number } | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Checks the `expires` and `sig` of a URL this backend handed out. */
  verify(purpose: SignedPurpose, fileId: string, expires: string | null, sig: string | null): SignatureCheck {
    return this.signer.verify(purpose, fileId, expires, sig);
  }

  private url(pathname: string, purpose: 'download' | 'upload', fileId: string, ttlSeconds: number): string {
    const { expires, sig } = this.signer.sign(purpose, fileId, ttlSeconds);
    const url = new URL(pathname, `${this.publicUrl().replace(/\/$/, '')}/`);
    url.searchParams.set('expires', expires);
    url.searchParams.set('sig', sig);
    return url.toString();
  }

  async downloadUrl(_key: string, options: DownloadUrlOptions): Promise<string> {
    return this.url(`files/${options.fileId}`, 'download', options.fileId, options.expiresInSeconds);
  }

  async uploadUrl(_key: string, options: UploadUrlOptions): Promise<UploadTarget> {
    return {
      url: this.url(`files/${options.fileId}/content`, 'upload', options.fileId, options.expiresInSeconds),
      method: 'PUT',
      headers: { 'content-type': options.contentType },
    };
  }
}
