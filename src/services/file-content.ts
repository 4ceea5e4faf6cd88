import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { extensionOf } from './file-names.ts';

/** Bytes kept from the start of a file for magic-number detection. */
const HEAD_BYTES = 1024 * 1024;

export interface Inspection {
  size: number;
  sha256: string;
  /** The media type the bytes are (not what the client said). */
  contentType: string;
}

const TEXT_TYPES_BY_EXTENSION: Record<string, string> = {
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  json: 'application/json',
  html: 'text/html',
  htm: 'text/html',
};

/** Media types whose bytes are UTF-8 text (we check them as such rather than by magic numbers). */
export const TEXT_TYPES = new Set(['text/plain', ...Object.values(TEXT_TYPES_BY_EXTENSION)]);

/**
 * Learns what a file is from its bytes as they stream past: size, SHA-256, magic numbers (PDF,
 * images, ZIP-based office documents, executables… via `file-type`), and whether it is valid UTF-8
 * text without NUL or stray control characters. A text file's kind (markdown, CSV, JSON, HTML)
 * comes from its name or declared type, JSON is checked to parse, and HTML is also recognised by
 * its first tag; bytes that are neither a known format nor text are `application/octet-stream`.
 */
export class ContentInspector {
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private text = true;
  private controlChars = 0;
  private jsonChunks: string[] | undefined;
  private jsonLength = 0;
  size = 0;

  constructor(
    private readonly name: string,
    private readonly declaredType?: string,
  ) {
    if (this.textKind() === 'application/json') this.jsonChunks = [];
  }

  private textKind(): string {
    const byName = TEXT_TYPES_BY_EXTENSION[extensionOf(this.name)];
    if (byName) return byName;
    const declared = this.declaredType?.split(';')[0]?.trim().toLowerCase();
    return declared && TEXT_TYPES.has(declared) ? declared : 'text/plain';
  }

  update(chunk: Uint8Array): void {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.size += buffer.length;
    this.hash.update(buffer);
    if (this.headLength < HEAD_BYTES) {
      const part = buffer.subarray(0, HEAD_BYTES - this.headLength);
      this.headChunks.push(Buffer.from(part));
      this.headLength += part.length;
    }
    if (!this.text) return;
    try {
      const decoded = this.decoder.decode(buffer, { stream: true });
      for (let i = 0; i < decoded.length; i += 1) {
        const code = decoded.charCodeAt(i);
        if (code === 0) {
          this.text = false;
          break;
        }
        if ((code < 32 && code !== 9 && code !== 10 && code !== 13 && code !== 12) || code === 127) this.controlChars += 1;
      }
      if (this.jsonChunks) {
        this.jsonLength += decoded.length;
        // Very large JSON is not parsed here (ingestion reads it as text if it does not parse).
        if (this.jsonLength <= 8 * 1024 * 1024) this.jsonChunks.push(decoded);
        else this.jsonChunks = undefined;
      }
    } catch {
      this.text = false;
    }
  }

  async finish(): Promise<Inspection> {
    if (this.text) {
      try {
        this.decoder.decode();
      } catch {
        this.text = false;
      }
    }
    const sha256 = this.hash.digest('hex');
    const head = Buffer.concat(this.headChunks);
    const detected = this.size > 0 ? await fileTypeFromBuffer(head) : undefined;
    let contentType: string;
    if (detected && !(this.text && detected.mime === 'application/xml')) {
      contentType = detected.mime;
    } else if (this.text && this.controlChars <= Math.max(4, this.size / 1000)) {
      contentType = this.classifyText(head);
    } else {
      contentType = 'application/octet-stream';
    }
    return { size: this.size, sha256, contentType };
  }

  private classifyText(head: Buffer): string {
    const kind = this.textKind();
    if (kind === 'application/json' && this.jsonChunks) {
      try {
        JSON.parse(this.jsonChunks.join('').replace(/^\uFEFF/, ''));
      } catch {
        return 'text/plain';
      }
    }
    if (kind === 'text/plain' && /^\s*(<!doctype html|<html[\s>])/i.test(head.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, ''))) {
      return 'text/html';
    }
    return kind;
  }
}

/** Inspects bytes already in memory. */
export async function inspectBytes(bytes: Uint8Array, name: string, declaredType?: string): Promise<Inspection> {
  const inspector = new ContentInspector(name, declaredType);
  inspector.update(bytes);
  return inspector.finish();
}

/** Whether a media type is allowed by a list of `type/subtype` and `type/*` entries. */
export function isAllowedType(contentType: string, allowed: readonly string[]): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return allowed.some((entry) => entry === type || (entry.endsWith('/*') && type.startsWith(entry.slice(0, -1))));
}

/** "25 MB", "812 kB", "17 bytes" — for messages people read. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${+(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 * 1024) return `${+(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} kB`;
  return `${bytes} bytes`;
}
