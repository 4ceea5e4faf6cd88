import { createHash, randomBytes } from 'node:crypto';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { makeElf, makePdf, makePng, uploadMultipart } from '../helpers/files.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { startSupabaseStorageStub, type SupabaseStorageStub } from '../helpers/supabase-storage-stub.ts';
import { gqlOn, waitFor, type Data } from '../helpers/kit.ts';

/**
 * The Supabase Storage backend through supabase-js, against a local stand-in of the Storage HTTP
 * API (test/helpers/supabase-storage-stub.ts): uploads, signed downloads, signed direct uploads,
 * deletion and ingestion.
 */
const BUCKET = 'team-files';
let stub: SupabaseStorageStub;
const env: Record<string, string> = { FILE_STORAGE_BACKEND: 'supabase', SUPABASE_STORAGE_BUCKET: BUCKET };
beforeAll(async () => {
  stub = await startSupabaseStorageStub();
  env.SUPABASE_URL = stub.url;
  env.SUPABASE_SERVICE_ROLE_KEY = stub.serviceRoleKey;
});
let server: TestServer;
useTestServer({ worker: true, env }, (s) => (server = s));
afterAll(() => stub?.close());

const raw = (globalId: string) => decodeGlobalID(globalId).id;

const gql = gqlOn(() => server);

describe('Supabase storage backend (Storage API stand-in)', () => {
  it('uploads into the bucket with the service-role key and downloads through a signed URL', async () => {
    const user = await signUpUser(server, 'Supa');
    const bytes = makePng(randomBytes(30_000));
    const file = (await uploadMultipart(server, user.token, { name: 'logo.png', bytes, type: 'image/png' })).data!.uploadFile;
    expect(file).toMatchObject({ __typename: 'File', sha256: createHash('sha256').update(bytes).digest('hex') });
    const key = `${BUCKET}/${raw(user.orgId)}/${raw(file.id)}`;
    expect(stub.objects.get(key)).toMatchObject({ contentType: 'image/png' });
    expect(stub.objects.get(key)!.bytes.equals(bytes)).toBe(true);

    const url = new URL(file.downloadUrl);
    expect(url.origin).toBe(stub.url);
    expect(url.pathname).toBe(`/storage/v1/object/sign/${key}`);
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('logo.png');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    url.searchParams.set('token', 'forged');
    expect((await fetch(url)).status).toBe(400);
    // The API talked to storage with the service-role key every time.
    expect(stub.requests.filter((r) => !r.path.startsWith('/object/sign/') || r.method === 'POST').every((r) => r.authorised)).toBe(true);
  });

  it('refused uploads leave the bucket untouched', async () => {
    const user = await signUpUser(server, 'Supa Refused');
    const before = stub.objects.size;
    const result = await uploadMultipart(server, user.token, { name: 'report.pdf', bytes: makeElf(), type: 'application/pdf' });
    expect(result.data!.uploadFile.__typename).toBe('ValidationError');
    expect(stub.objects.size).toBe(before);
  });

  it('direct upload to a signed upload URL, verified on completion and ingested from the bucket', async () => {
    const user = await signUpUser(server, 'Supa Direct');
    const pdf = makePdf([['Minutes of the harbour committee']]);
    const created = await gql(
      user,
      `mutation($input: CreateUploadUrlInput!) { createUploadUrl(input: $input) { ... on CreateUploadUrlPayload { uploadUrl uploadMethod uploadHeaders { name value } file { id } } } }`,
      { input: { name: 'minutes.pdf', contentType: 'application/pdf', size: pdf.length } },
    );
    const target = created.createUploadUrl;
    expect(new URL(target.uploadUrl).pathname).toMatch(/^\/storage\/v1\/object\/upload\/sign\/team-files\//);
    const headers = Object.fromEntries(target.uploadHeaders.map((h: Data) => [h.name, h.value]));
    expect((await fetch(target.uploadUrl, { method: target.uploadMethod, headers, body: new Uint8Array(pdf) })).status).toBe(200);
    const done = await gql(user, 'mutation($id: ID!) { completeUpload(input: { fileId: $id }) { __typename ... on File { status sha256 } } }', {
      id: target.file.id,
    });
    expect(done.completeUpload).toEqual({ __typename: 'File', status: 'UPLOADED', sha256: createHash('sha256').update(pdf).digest('hex') });
    await waitFor(async () => (await gql(user, 'query($id: ID!) { file(id: $id) { status } }', { id: target.file.id })).file.status === 'READY', 'ingestion');
    const found = await gql(user, '{ files(search: "harbour committee") { edges { node { name } } } }');
    expect(found.files.edges).toEqual([{ node: { name: 'minutes.pdf' } }]);
  });

  it('deleting a file removes its object from the bucket', async () => {
    const user = await signUpUser(server, 'Supa Delete');
    const file = (await uploadMultipart(server, user.token, { name: 'old.txt', bytes: 'outdated', type: 'text/plain' })).data!.uploadFile;
    const key = `${BUCKET}/${raw(user.orgId)}/${raw(file.id)}`;
    expect(stub.objects.has(key)).toBe(true);
    await gql(user, 'mutation($id: ID!) { deleteFile(input: { id: $id }) { __typename } }', { id: file.id });
    expect(stub.objects.has(key)).toBe(false);
  });
});
