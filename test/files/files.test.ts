import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { UrlSigner } from '../../src/storage/signed-urls.ts';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { filesUnder, makeElf, makePng, uploadMultipart } from '../helpers/files.ts';
import { TEST_SECRET, type TestServer, useTestServer } from '../helpers/server.ts';
import { gqlOn, type Data } from '../helpers/kit.ts';

/** Uploads, downloads and refusals through the real API, with the local backend under TMATES_HOME. */
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-files-'));
const storageRoot = path.join(home, 'files');
const MAX = 64 * 1024;

let server: TestServer;
useTestServer({ env: { TMATES_HOME: home, FILE_MAX_BYTES: String(MAX), DEFAULT_PLAN: 'free' } }, (s) => (server = s));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const gql = gqlOn(() => server);

async function fileRows(orgId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from files where org_id = ${raw(orgId)}`.execute(server.app.services.db);
  return rows[0]!.n;
}

/** The uuid inside a global id (TestUser ids are global ids). */
const raw = (globalId: string) => decodeGlobalID(globalId).id;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('uploadFile (GraphQL multipart)', () => {
  it('stores the bytes and downloads them back byte-identical through a signed URL', async () => {
    const user = await signUpUser(server, 'Uploader');
    const bytes = makePng(randomBytes(20_000));
    const result = await uploadMultipart(server, user.token, { name: 'diagram.png', bytes, type: 'image/png' });
    expect(result.status).toBe(200);
    const file = result.data!.uploadFile;
    expect(file).toMatchObject({
      __typename: 'File',
      name: 'diagram.png',
      contentType: 'image/png',
      size: bytes.length,
      sha256: sha256(bytes),
      status: 'UPLOADED',
      isImage: true,
    });
    const url = new URL(file.downloadUrl);
    expect(url.pathname).toMatch(/^\/files\/[0-9a-f-]{36}$/);
    expect(url.searchParams.get('sig')).toBeTruthy();

    const download = await fetch(file.downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-disposition')).toContain('filename="diagram.png"');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

    // Each read of downloadUrl signs a fresh URL; the stored object lives under ids only.
    const again = await gql(user, 'query($id: ID!) { file(id: $id) { downloadUrl } }', { id: file.id });
    expect(again.file.downloadUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
    expect(filesUnder(storageRoot)).toContain(`${raw(user.orgId)}/${new URL(file.downloadUrl).pathname.split('/')[2]}`);
  });

  it('refuses a multipart request without the CSRF header, before anything is stored', async () => {
    const user = await signUpUser(server, 'Csrf');
    const before = filesUnder(storageRoot).length;
    const result = await uploadMultipart(server, user.token, { name: 'a.txt', bytes: 'hello' }, { csrf: false });
    expect(result.status).toBe(403);
    expect(result.errors?.[0]?.message).toMatch(/CSRF/);
    expect(await fileRows(user.orgId)).toBe(0);
    expect(filesUnder(storageRoot)).toHaveLength(before);
  });

  it('refuses a file over FILE_MAX_BYTES with a typed error and stores nothing', async () => {
    const user = await signUpUser(server, 'Big');
    const before = filesUnder(storageRoot).length;
    const result = await uploadMultipart(server, user.token, { name: 'big.txt', bytes: 'x'.repeat(MAX + 1), type: 'text/plain' });
    expect(result.data!.uploadFile).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'file', message: expect.stringMatching(/files may be at most 64 kB/) }],
    });
    expect(await fileRows(user.orgId)).toBe(0);
    expect(filesUnder(storageRoot)).toHaveLength(before);
    // Far beyond the limit, the request is cut off while it is read (no typed result, nothing kept).
    const huge = await uploadMultipart(server, user.token, { name: 'huge.txt', bytes: 'x'.repeat(3 * MAX), type: 'text/plain' });
    expect(huge.status).toBe(413);
    expect(await fileRows(user.orgId)).toBe(0);
  });

  it('judges the type by the bytes: an executable named .pdf and unknown binary are refused, nothing stored', async () => {
    const user = await signUpUser(server, 'Sneaky');
    const before = filesUnder(storageRoot).length;
    const elf = await uploadMultipart(server, user.token, { name: 'invoice.pdf', bytes: makeElf(), type: 'application/pdf' });
    expect(elf.data!.uploadFile).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'file', message: expect.stringContaining('application/x-elf') }],
    });
    const binary = await uploadMultipart(server, user.token, { name: 'notes.txt', bytes: randomBytes(2000), type: 'text/plain' });
    expect(binary.data!.uploadFile).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'file' }] });
    const empty = await uploadMultipart(server, user.token, { name: 'empty.txt', bytes: '' });
    expect(empty.data!.uploadFile).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'file', message: 'is empty' }] });
    expect(await fileRows(user.orgId)).toBe(0);
    expect(filesUnder(storageRoot)).toHaveLength(before);
    // Text is recognised as text whatever the client claims.
    const text = await uploadMultipart(server, user.token, { name: 'notes.md', bytes: '# Notes\n- one', type: 'application/octet-stream' });
    expect(text.data!.uploadFile).toMatchObject({ __typename: 'File', contentType: 'text/markdown' });
  });

  it('neutralises path traversal and control characters in names; keys never come from names', async () => {
    const user = await signUpUser(server, 'Traveller');
    const cases: Array<[string, string]> = [
      ['../../etc/passwd', 'passwd'],
      ['..\\..\\windows\\system.ini', 'system.ini'],
      ['re\u0000port\u202e.txt', 'report.txt'],
    ];
    for (const [name, expected] of cases) {
      const result = await uploadMultipart(server, user.token, { name, bytes: `contents of ${expected}`, type: 'text/plain' });
      expect(result.data!.uploadFile).toMatchObject({ __typename: 'File', name: expected });
    }
    for (const stored of filesUnder(storageRoot)) expect(stored).toMatch(/^[0-9a-f-]{36}\/[0-9a-f-]{36}$/);
    expect(filesUnder(path.join(home, '..', 'etc'))).toEqual([]);
  });
});

describe('signed download URLs', () => {
  it('refuses tampered and expired URLs with 403, and serves nothing after deletion', async () => {
    const user = await signUpUser(server, 'Signer');
    const file = (await uploadMultipart(server, user.token, { name: 'a.txt', bytes: 'secret plans', type: 'text/plain' })).data!.uploadFile;
    const url = new URL(file.downloadUrl);
    const fileId = url.pathname.split('/')[2]!;

    const badSig = new URL(url);
    const sig = url.searchParams.get('sig')!;
    // Flip one character in the middle, and respell the last one's spare bits (same decoded bytes).
    badSig.searchParams.set('sig', `${sig.slice(0, 20)}${sig[20] === 'A' ? 'B' : 'A'}${sig.slice(21)}`);
    const respelled = new URL(url);
    const respelledSig = `${sig.slice(0, 42)}${String.fromCharCode(sig.charCodeAt(42) + 1)}`;
    expect(Buffer.from(respelledSig, 'base64url')).toEqual(Buffer.from(sig, 'base64url'));
    respelled.searchParams.set('sig', respelledSig);
    const laterExpiry = new URL(url);
    laterExpiry.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    const otherFile = new URL(url);
    otherFile.pathname = `/files/${randomUUID()}`;
    const unsigned = new URL(url);
    unsigned.search = '';
    for (const tampered of [badSig, respelled, laterExpiry, otherFile, unsigned]) {
      const response = await fetch(tampered);
      expect(response.status).toBe(403);
      expect(await response.text()).toBe('This link is not valid');
    }

    // A genuine signature (same secret) whose time has passed.
    const signer = new UrlSigner(TEST_SECRET);
    const old = signer.sign('download', fileId, 60, Date.now() - 3600_000);
    const expired = new URL(url);
    expired.searchParams.set('expires', old.expires);
    expired.searchParams.set('sig', old.sig);
    const response = await fetch(expired);
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/expired/);

    // A download signature is not an upload signature.
    const put = await fetch(`${url.origin}/files/${fileId}/content${url.search}`, { method: 'PUT', body: 'overwrite' });
    expect(put.status).toBe(403);

    const deleted = await gql(user, 'mutation($id: ID!) { deleteFile(input: { id: $id }) { __typename ... on DeleteFilePayload { deletedFileId } } }', { id: file.id });
    expect(deleted.deleteFile).toEqual({ __typename: 'DeleteFilePayload', deletedFileId: file.id });
    expect((await fetch(file.downloadUrl)).status).toBe(404);
    expect(filesUnder(storageRoot)).not.toContain(`${raw(user.orgId)}/${fileId}`);
    expect((await gql(user, 'query($id: ID!) { file(id: $id) { id } }', { id: file.id })).file).toBeNull();
    const twice = await gql(user, 'mutation($id: ID!) { deleteFile(input: { id: $id }) { __typename } }', { id: file.id });
    expect(twice.deleteFile.__typename).toBe('NotFoundError');
  });
});

describe('storage quota', () => {
  it('refuses an upload past the plan’s storage with PlanLimitError, storing nothing', async () => {
    const user = await signUpUser(server, 'Hoarder');
    // Pretend the organisation already keeps 1 GB less 100 bytes (the free plan allows 1 GB).
    await sql`
      insert into files (org_id, name, content_type, size_bytes, sha256, storage_backend, storage_key, status)
      values (${raw(user.orgId)}, 'archive.txt', 'text/plain', ${1024 ** 3 - 100}, ${'0'.repeat(64)}, 'local', ${`${raw(user.orgId)}/${randomUUID()}`}, 'ready')
    `.execute(server.app.services.db);
    const before = filesUnder(storageRoot).length;
    const result = await uploadMultipart(server, user.token, { name: 'one-more.txt', bytes: 'y'.repeat(200), type: 'text/plain' });
    expect(result.data!.uploadFile).toMatchObject({ __typename: 'PlanLimitError', limit: 'storage_mb', max: 1024 });
    expect(result.data!.uploadFile.message).toMatch(/Your plan stores up to 1 GB of files/);
    expect(await fileRows(user.orgId)).toBe(1);
    expect(filesUnder(storageRoot)).toHaveLength(before);
    const direct = await gql(user, 'mutation { createUploadUrl(input: { name: "big.csv", contentType: "text/csv", size: 200 }) { __typename } }');
    expect(direct.createUploadUrl.__typename).toBe('PlanLimitError');
    // What fits still goes in.
    const small = await uploadMultipart(server, user.token, { name: 'tiny.txt', bytes: 'ok', type: 'text/plain' });
    expect(small.data!.uploadFile.__typename).toBe('File');
  });

  it('counts concurrent uploads under the organisation lock: never past the limit', async () => {
    const user = await signUpUser(server, 'Racer');
    await sql`
      insert into files (org_id, name, content_type, size_bytes, sha256, storage_backend, storage_key, status)
      values (${raw(user.orgId)}, 'archive.txt', 'text/plain', ${1024 ** 3 - 5_000}, ${'0'.repeat(64)}, 'local', ${`${raw(user.orgId)}/${randomUUID()}`}, 'ready')
    `.execute(server.app.services.db);
    // Each is 2 kB: two fit in the 5 kB left, the third does not, whatever the interleaving.
    const results = await Promise.all(
      Array.from({ length: 3 }, (_, i) => uploadMultipart(server, user.token, { name: `part-${i}.txt`, bytes: `${i}`.repeat(2048), type: 'text/plain' })),
    );
    const kinds = results.map((r) => r.data!.uploadFile.__typename).sort();
    expect(kinds).toEqual(['File', 'File', 'PlanLimitError']);
    expect(await fileRows(user.orgId)).toBe(3);
  });
});

describe('tenancy', () => {
  it('a person of another organisation can neither list, fetch, download-sign nor delete a file', async () => {
    const alice = await signUpUser(server, 'Alice');
    const mallory = await signUpUser(server, 'Mallory');
    const file = (await uploadMultipart(server, alice.token, { name: 'plan.txt', bytes: 'the plan', type: 'text/plain' })).data!.uploadFile;

    const listed = await gql(mallory, '{ files { edges { node { id } } } }');
    expect(listed.files.edges).toEqual([]);
    const fetched = await gql(mallory, 'query($id: ID!) { file(id: $id) { id downloadUrl } node(id: $id) { id } }', { id: file.id });
    expect(fetched).toEqual({ file: null, node: null });
    const missing = encodeGlobalID('File', randomUUID());
    expect(await gql(mallory, 'query($id: ID!) { file(id: $id) { id } }', { id: missing })).toEqual({ file: null });
    const deleted = await gql(mallory, 'mutation($id: ID!) { deleteFile(input: { id: $id }) { __typename } }', { id: file.id });
    expect(deleted.deleteFile.__typename).toBe('NotFoundError');
    const completed = await gql(mallory, 'mutation($id: ID!) { completeUpload(input: { fileId: $id }) { __typename } }', { id: file.id });
    expect(completed.completeUpload.__typename).toBe('NotFoundError');
    const searched = await gql(mallory, '{ files(search: "plan") { edges { node { id } } } }');
    expect(searched.files.edges).toEqual([]);
    // Alice still has it.
    expect((await gql(alice, 'query($id: ID!) { file(id: $id) { name } }', { id: file.id })).file).toEqual({ name: 'plan.txt' });
  });

  it('only the uploader and admins delete a file; listing pages newest first', async () => {
    const owner = await signUpUser(server, 'Owner');
    const names = ['one.txt', 'two.txt', 'three.txt'];
    for (const name of names) await uploadMultipart(server, owner.token, { name, bytes: name, type: 'text/plain' });
    const first = await gql(owner, '{ files(first: 2) { edges { node { name viewerCanDelete } } pageInfo { hasNextPage endCursor } } }');
    expect(first.files.edges.map((e: Data) => e.node.name)).toEqual(['three.txt', 'two.txt']);
    expect(first.files.edges.every((e: Data) => e.node.viewerCanDelete)).toBe(true);
    const rest = await gql(owner, 'query($after: String) { files(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage } } }', {
      after: first.files.pageInfo.endCursor,
    });
    expect(rest.files.edges.map((e: Data) => e.node.name)).toEqual(['one.txt']);
    expect(rest.files.pageInfo.hasNextPage).toBe(false);
    const bad = await server.gql('{ files(after: "garbage!") { edges { node { id } } } }', {}, { token: owner.token });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
