import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Data } from './kit.ts';
import type { GraphQLResponse, TestServer } from './server.ts';

export const FILE_FIELDS = 'id name contentType size sha256 status error isImage pageCount rowCount textPreview downloadUrl';

const UPLOAD = `mutation($input: UploadFileInput!) { uploadFile(input: $input) {
  __typename ... on File { ${FILE_FIELDS} }
  ... on ValidationError { message issues { field message } } ... on PlanLimitError { message limit max } ... on Error { message } } }`;

/**
 * Uploads through the real HTTP endpoint with a GraphQL multipart request (operations, map, one
 * file part), as a browser or mobile client would. Yoga's CSRF header is sent unless `csrf: false`.
 */
export async function uploadMultipart(
  server: TestServer,
  token: string,
  file: { name: string; bytes: Uint8Array | string; type?: string },
  options: { csrf?: boolean; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<Data> & { status: number }> {
  const form = new FormData();
  form.set('operations', JSON.stringify({ query: UPLOAD, variables: { input: { file: null } } }));
  form.set('map', JSON.stringify({ 0: ['variables.input.file'] }));
  const bytes = typeof file.bytes === 'string' ? new TextEncoder().encode(file.bytes) : file.bytes;
  form.set('0', new Blob([bytes as BlobPart], { type: file.type ?? 'application/octet-stream' }), file.name);
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.csrf === false ? {} : { 'x-graphql-yoga-csrf': '1' }),
      ...options.headers,
    },
    body: form,
  });
  return { ...((await response.json()) as GraphQLResponse<Data>), status: response.status };
}

/** Every regular file below a folder (relative paths); [] when it does not exist. */
export function filesUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else found.push(path.relative(root, full));
    }
  };
  walk(root);
  return found.sort();
}

/**
 * A small but real PDF (one text line per entry, one page per list), built by hand with a correct
 * cross-reference table — so tests need no PDF-writing dependency.
 */
export function makePdf(pages: string[][]): Buffer {
  const objects: string[] = [];
  const add = (body: string) => objects.push(body);
  add(''); // 1: catalog, filled in below
  add(''); // 2: page tree
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'); // 3
  const kids: number[] = [];
  for (const lines of pages) {
    const content = lines
      .map((line, i) => `BT /F1 12 Tf 72 ${720 - i * 18} Td (${line.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj ET`)
      .join('\n');
    const contentId = add(`<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`);
    kids.push(add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${contentId} 0 R >>`));
  }
  objects[0] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A valid 1×1 PNG followed by `extra` bytes (still detected as PNG from its magic number). */
export function makePng(extra: Uint8Array = new Uint8Array()): Buffer {
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3c1a0a30000000049454e44ae426082',
    'hex',
  );
  return Buffer.concat([png, extra]);
}

/** The first bytes of a Linux executable (ELF), padded: what a renamed program looks like. */
export function makeElf(): Buffer {
  return Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(256, 1)]);
}
