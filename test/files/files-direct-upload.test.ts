import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { FILE_FIELDS, filesUnder, makeElf, makePng } from '../helpers/files.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { gqlOn, waitFor, type Data } from '../helpers/kit.ts';

/** Direct uploads with the local backend: the API signs a PUT URL and receives the bytes itself. */
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-direct-'));
const storageRoot = path.join(home, 'files');
const MAX = 256 * 1024;
let server: TestServer;
useTestServer({ worker: true, env: { TMATES_HOME: home, FILE_MAX_BYTES: String(MAX) } }, (s) => (server = s));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const raw = (globalId: string) => decodeGlobalID(globalId).id;

const gql = gqlOn(() => server);

const CREATE = `mutation($input: CreateUploadUrlInput!) { createUploadUrl(input: $input) { __typename
  ... on CreateUploadUrlPayload { uploadUrl uploadMethod uploadHeaders { name value } expiresAt file { id name status size contentType sha256 downloadUrl uploadExpiresAt } }
  ... on ValidationError { issues { field message } } ... on Error { message } } }`;
const COMPLETE = `mutation($id: ID!) { completeUpload(input: { fileId: $id }) { __typename
  ... on File { ${FILE_FIELDS} } ... on ValidationError { issues { field message } } ... on Error { message } } }`;

async function start(user: TestUser, input: { name: string; contentType: string; size: number }): Promise<Data> {
  return (await gql(user, CREATE, { input })).createUploadUrl;
}

function put(target: Data, body: Uint8Array | string): Promise<Response> {
  const headers = Object.fromEntries(target.uploadHeaders.map((h: Data) => [h.name, h.value]));
  return fetch(target.uploadUrl, { method: target.uploadMethod, headers, body: body as BodyInit });
}

describe('direct uploads (local backend)', () => {
  it('createUploadUrl → PUT → completeUpload stores the bytes, verified, and queues processing', async () => {
    const user = await signUpUser(server, 'Direct');
    const csv = `id,label\n${Array.from({ length: 2000 }, (_, i) => `${i},row number ${i}`).join('\n')}\n`;
    const target = await start(user, { name: '../../exports/big table.csv', contentType: 'text/csv', size: Buffer.byteLength(csv) });
    expect(target).toMatchObject({
      __typename: 'CreateUploadUrlPayload',
      uploadMethod: 'PUT',
      uploadHeaders: [{ name: 'content-type', value: 'text/csv' }],
      file: { name: 'big table.csv', status: 'PENDING', size: Buffer.byteLength(csv), sha256: null, downloadUrl: null },
    });
    expect(new URL(target.uploadUrl).pathname).toMatch(/^\/files\/[0-9a-f-]{36}\/content$/);
    // Pending files are not listed by default, but can be asked for.
    expect((await gql(user, '{ files { edges { node { id } } } }')).files.edges).toEqual([]);
    expect((await gql(user, '{ files(status: PENDING) { edges { node { id } } } }')).files.edges).toHaveLength(1);

    // Completing before the bytes arrive is refused, and the upload stays open.
    const early = (await gql(user, COMPLETE, { id: target.file.id })).completeUpload;
    expect(early).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'fileId', message: expect.stringMatching(/no bytes/) }] });

    // A browser on another origin may PUT there: the CORS preflight allows it.
    const preflight = await fetch(target.uploadUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    const response = await put(target, csv);
    expect(response.status).toBe(200);
    const done = (await gql(user, COMPLETE, { id: target.file.id })).completeUpload;
    expect(done).toMatchObject({
      __typename: 'File',
      id: target.file.id,
      status: 'UPLOADED',
      contentType: 'text/csv',
      size: Buffer.byteLength(csv),
      sha256: createHash('sha256').update(csv).digest('hex'),
    });
    // Completing twice is harmless.
    expect((await gql(user, COMPLETE, { id: target.file.id })).completeUpload).toMatchObject({ __typename: 'File', id: target.file.id });
    const download = await fetch(done.downloadUrl);
    expect(await download.text()).toBe(csv);
    const ready = await waitFor(async () => {
      const { file } = await gql(user, 'query($id: ID!) { file(id: $id) { status rowCount } }', { id: done.id });
      return file.status === 'READY' && file;
    }, 'the CSV to be processed');
    expect(ready.rowCount).toBe(2000);
    // A second PUT to the same URL finds no upload waiting.
    expect((await put(target, csv)).status).toBe(404);
  });

  it('refuses more bytes than declared, and a tampered or foreign upload URL', async () => {
    const user = await signUpUser(server, 'Overflow');
    const target = await start(user, { name: 'a.txt', contentType: 'text/plain', size: 10 });
    expect((await put(target, 'x'.repeat(11))).status).toBe(413);
    // Sent without a Content-Length (streamed): cut off all the same, nothing kept.
    const fileId = new URL(target.uploadUrl).pathname.split('/')[2]!;
    const streamed = await fetch(target.uploadUrl, {
      method: 'PUT',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('y'.repeat(8)));
          controller.enqueue(new TextEncoder().encode('y'.repeat(8)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(filesUnder(storageRoot)).not.toContain(`${raw(user.orgId)}/${fileId}`);

    const tampered = new URL(target.uploadUrl);
    tampered.searchParams.set('sig', 'A'.repeat(43));
    expect((await fetch(tampered, { method: 'PUT', body: 'hello12345' })).status).toBe(403);
    // An upload URL does not download, and downloads do not accept PUT.
    expect((await fetch(target.uploadUrl)).status).toBe(405);

    const other = await signUpUser(server, 'Stranger');
    expect((await gql(other, COMPLETE, { id: target.file.id })).completeUpload.__typename).toBe('NotFoundError');
  });

  it('discards bytes that are not what they claim (an executable as a PDF): no row, no object', async () => {
    const user = await signUpUser(server, 'Claimer');
    const elf = makeElf();
    const target = await start(user, { name: 'invoice.pdf', contentType: 'application/pdf', size: elf.length });
    const fileId = raw(target.file.id);
    expect((await put(target, elf)).status).toBe(200);
    expect(filesUnder(storageRoot)).toContain(`${raw(user.orgId)}/${fileId}`);
    const refused = (await gql(user, COMPLETE, { id: target.file.id })).completeUpload;
    expect(refused).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'fileId', message: expect.stringContaining('application/x-elf') }] });
    expect(filesUnder(storageRoot)).not.toContain(`${raw(user.orgId)}/${fileId}`);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from files where id = ${fileId}`.execute(server.app.services.db);
    expect(rows[0]!.n).toBe(0);
    expect((await gql(user, 'query($id: ID!) { file(id: $id) { id } }', { id: target.file.id })).file).toBeNull();
  });

  it('validates the request: size limit, accepted types, sanitised names', async () => {
    const user = await signUpUser(server, 'Validator');
    expect(await start(user, { name: 'huge.pdf', contentType: 'application/pdf', size: MAX + 1 })).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'size', message: expect.stringMatching(/at most 256 kB/) }],
    });
    expect(await start(user, { name: 'run.exe', contentType: 'application/x-msdownload', size: 100 })).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'contentType' }],
    });
    expect(await start(user, { name: 'x', contentType: 'not a type', size: 0 })).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'contentType' }, { field: 'size' }],
    });
    const dots = await start(user, { name: '..', contentType: 'text/plain', size: 3 });
    expect(dots.file.name).toBe('file');
  });

  it('expires an upload nobody completed: the job discards the row and any bytes', async () => {
    const user = await signUpUser(server, 'Forgetful');
    const target = await start(user, { name: 'later.txt', contentType: 'text/plain', size: 5 });
    const fileId = raw(target.file.id);
    expect((await put(target, 'hello')).status).toBe(200);
    const { db } = server.app.services;
    // Let the clock run out: the upload expired, and its job is due now.
    await sql`update files set upload_expires_at = now() - interval '1 second' where id = ${fileId}`.execute(db);
    expect((await put(target, 'hello')).status).toBe(404);
    await sql`update graphile_worker._private_jobs set run_at = now() where payload->>'fileId' = ${fileId}`.execute(db);
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from files where id = ${fileId}`.execute(db);
      return rows[0]!.n === 0;
    }, 'the expired upload to be discarded');
    expect(filesUnder(storageRoot)).not.toContain(`${raw(user.orgId)}/${fileId}`);

    // Completing after the expiry is refused, and the pending file is discarded right away.
    const late = await start(user, { name: 'late.txt', contentType: 'text/plain', size: 4 });
    expect((await put(late, 'late')).status).toBe(200);
    await sql`update files set upload_expires_at = now() - interval '1 second' where id = ${raw(late.file.id)}`.execute(db);
    const refused = (await gql(user, COMPLETE, { id: late.file.id })).completeUpload;
    expect(refused).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'fileId', message: expect.stringMatching(/expired/) }] });
    expect((await gql(user, 'query($id: ID!) { file(id: $id) { id } }', { id: late.file.id })).file).toBeNull();
    expect(filesUnder(storageRoot)).not.toContain(`${raw(user.orgId)}/${raw(late.file.id)}`);
  });

  it('binary round trip: random bytes in a PNG container come back identical', async () => {
    const user = await signUpUser(server, 'Binary');
    const bytes = makePng(randomBytes(100_000));
    const target = await start(user, { name: 'scan.png', contentType: 'image/png', size: bytes.length });
    expect((await put(target, bytes)).status).toBe(200);
    const done = (await gql(user, COMPLETE, { id: target.file.id })).completeUpload;
    const back = Buffer.from(await (await fetch(done.downloadUrl)).arrayBuffer());
    expect(back.equals(bytes)).toBe(true);
  });
});
