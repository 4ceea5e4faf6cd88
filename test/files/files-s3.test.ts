import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { decodeGlobalID } from '@pothos/plugin-relay';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { FILE_FIELDS, makeElf, makePdf, makePng, uploadMultipart } from '../helpers/files.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { gqlOn, waitFor, type Data } from '../helpers/kit.ts';

/**
 * The S3 backend against s3rver (a real S3 wire-protocol server, in this process, on a random
 * port): uploads, presigned downloads and direct uploads, deletion, and ingestion reading from it.
 */
const BUCKET = 'tmates-files';
const directory = mkdtempSync(path.join(os.tmpdir(), 'tmates-s3rver-'));
let s3rver: S3rver;
let s3: S3Client;
const env: Record<string, string> = {
  FILE_STORAGE_BACKEND: 's3',
  S3_BUCKET: BUCKET,
  S3_REGION: 'us-east-1',
  S3_FORCE_PATH_STYLE: 'true',
  // s3rver's fixed credentials; it checks every signature made with them.
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
};

beforeAll(async () => {
  s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const { port } = await s3rver.run();
  env.S3_ENDPOINT = `http://127.0.0.1:${port}`;
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: env.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});
let server: TestServer;
useTestServer({ worker: true, env }, (s) => (server = s));
afterAll(async () => {
  s3?.destroy();
  await s3rver?.close();
  rmSync(directory, { recursive: true, force: true });
});

const raw = (globalId: string) => decodeGlobalID(globalId).id;

const gql = gqlOn(() => server);

async function keysInBucket(): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

describe('S3 storage backend (s3rver)', () => {
  it('stores an upload in the bucket and serves it through a presigned URL, byte-identical', async () => {
    const user = await signUpUser(server, 'S3 Uploader');
    const bytes = makePng(randomBytes(50_000));
    const file = (await uploadMultipart(server, user.token, { name: 'photo.png', bytes, type: 'image/png' })).data!.uploadFile;
    expect(file).toMatchObject({ __typename: 'File', contentType: 'image/png', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(await keysInBucket()).toContain(`${raw(user.orgId)}/${raw(file.id)}`);

    const url = new URL(file.downloadUrl);
    expect(url.origin).toBe(env.S3_ENDPOINT);
    expect(url.searchParams.get('X-Amz-Signature')).toBeTruthy();
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('filename="photo.png"');
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('leaves nothing in the bucket for a refused upload', async () => {
    const user = await signUpUser(server, 'S3 Refused');
    const before = await keysInBucket();
    const refused = await uploadMultipart(server, user.token, { name: 'setup.pdf', bytes: makeElf(), type: 'application/pdf' });
    expect(refused.data!.uploadFile.__typename).toBe('ValidationError');
    expect(await keysInBucket()).toEqual(before);
  });

  it('direct upload: presigned PUT to the bucket, completeUpload verifies, the worker ingests from S3', async () => {
    const user = await signUpUser(server, 'S3 Direct');
    const pdf = makePdf([['Field notes from the albatross colony']]);
    const created = await gql(
      user,
      `mutation($input: CreateUploadUrlInput!) { createUploadUrl(input: $input) { ... on CreateUploadUrlPayload { uploadUrl uploadMethod uploadHeaders { name value } file { id } } } }`,
      { input: { name: 'notes.pdf', contentType: 'application/pdf', size: pdf.length } },
    );
    const target = created.createUploadUrl;
    expect(new URL(target.uploadUrl).origin).toBe(env.S3_ENDPOINT);
    const headers = Object.fromEntries(target.uploadHeaders.map((h: Data) => [h.name, h.value]));
    const put = await fetch(target.uploadUrl, { method: target.uploadMethod, headers, body: new Uint8Array(pdf) });
    expect(put.status).toBe(200);
    const done = await gql(user, `mutation($id: ID!) { completeUpload(input: { fileId: $id }) { __typename ... on File { ${FILE_FIELDS} } } }`, {
      id: target.file.id,
    });
    expect(done.completeUpload).toMatchObject({ __typename: 'File', status: 'UPLOADED', contentType: 'application/pdf', size: pdf.length });
    await waitFor(async () => (await gql(user, 'query($id: ID!) { file(id: $id) { status } }', { id: target.file.id })).file.status === 'READY', 'ingestion');
    const found = await gql(user, '{ files(search: "albatross") { edges { node { name pageCount } } } }');
    expect(found.files.edges).toEqual([{ node: { name: 'notes.pdf', pageCount: 1 } }]);
    const back = await fetch(done.completeUpload.downloadUrl);
    expect(Buffer.from(await back.arrayBuffer()).equals(pdf)).toBe(true);
  });

  it('discards a direct upload whose bytes are refused, and deletes objects with their files', async () => {
    const user = await signUpUser(server, 'S3 Deleter');
    const elf = makeElf();
    const created = await gql(
      user,
      `mutation($input: CreateUploadUrlInput!) { createUploadUrl(input: $input) { ... on CreateUploadUrlPayload { uploadUrl uploadHeaders { name value } file { id } } } }`,
      { input: { name: 'tool.pdf', contentType: 'application/pdf', size: elf.length } },
    );
    const target = created.createUploadUrl;
    const key = `${raw(user.orgId)}/${raw(target.file.id)}`;
    const headers = Object.fromEntries(target.uploadHeaders.map((h: Data) => [h.name, h.value]));
    expect((await fetch(target.uploadUrl, { method: 'PUT', headers, body: new Uint8Array(elf) })).status).toBe(200);
    expect(await keysInBucket()).toContain(key);
    const refused = await gql(user, 'mutation($id: ID!) { completeUpload(input: { fileId: $id }) { __typename } }', { id: target.file.id });
    expect(refused.completeUpload.__typename).toBe('ValidationError');
    expect(await keysInBucket()).not.toContain(key);

    const file = (await uploadMultipart(server, user.token, { name: 'keep.txt', bytes: 'for a while', type: 'text/plain' })).data!.uploadFile;
    const stored = `${raw(user.orgId)}/${raw(file.id)}`;
    expect(await keysInBucket()).toContain(stored);
    const deleted = await gql(user, 'mutation($id: ID!) { deleteFile(input: { id: $id }) { __typename } }', { id: file.id });
    expect(deleted.deleteFile.__typename).toBe('DeleteFilePayload');
    expect(await keysInBucket()).not.toContain(stored);
    expect((await fetch(file.downloadUrl)).status).toBe(404);
  });
});
