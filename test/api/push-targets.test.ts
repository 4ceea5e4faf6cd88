import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { gqlAs, type Data } from '../helpers/kit.ts';

let db: TestDatabase;
let guarded: TestServer; // private endpoints refused (the default)
let open: TestServer; // PUSH_ALLOW_PRIVATE_NETWORKS=true, same database and home
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-push-'));

beforeAll(async () => {
  db = await createTestDatabase();
  guarded = await startTestServer({ databaseUrl: db.url, env: { TMATES_HOME: home } });
  open = await startTestServer({ databaseUrl: db.url, env: { TMATES_HOME: home, PUSH_ALLOW_PRIVATE_NETWORKS: 'true' } });
});
afterAll(async () => {
  await open?.stop();
  await guarded?.stop();
  await db?.drop();
  rmSync(home, { recursive: true, force: true });
});

// Real-looking keys: a 65-byte uncompressed P-256 point and a 16-byte secret, base64url.
const p256dh = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');
const auth = Buffer.alloc(16, 3).toString('base64url');
const TARGET = 'id kind endpoint platform createdAt';
const ADD_WEB = `mutation($input: AddWebPushSubscriptionInput!) { addWebPushSubscription(input: $input) {
  __typename ... on PushTarget { ${TARGET} } ... on ValidationError { issues { field message } } } }`;
const ADD_MOBILE = `mutation($input: AddMobilePushTokenInput!) { addMobilePushToken(input: $input) {
  __typename ... on PushTarget { ${TARGET} } ... on ValidationError { issues { field message } } } }`;
const REMOVE = `mutation($id: ID!) { removePushTarget(input: { id: $id }) { __typename ... on RemovePushTargetPayload { pushTargetId } ... on Error { message } } }`;
const LIST = `{ pushTargets { ${TARGET} } }`;

describe('push targets', () => {
  it('serverInfo gives the VAPID public key, generated once into TMATES_HOME and shared by the processes', async () => {
    const a = (await guarded.gql<Data>('{ serverInfo { vapidPublicKey } }')).data!.serverInfo.vapidPublicKey;
    const b = (await open.gql<Data>('{ serverInfo { vapidPublicKey } }')).data!.serverInfo.vapidPublicKey;
    expect(Buffer.from(a, 'base64url')).toHaveLength(65); // an uncompressed P-256 point
    expect(b).toBe(a);
    expect(existsSync(path.join(home, 'vapid.json'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(home, 'vapid.json'), 'utf8')).publicKey).toBe(a);
  });

  it('refuses endpoints on private or loopback networks, plain http and bad keys unless allowed', async () => {
    const user = await signUpUser(guarded, 'Guarded');
    const loopback = (await gqlAs(guarded, user, ADD_WEB, { input: { endpoint: 'https://127.0.0.1:8443/push/1', p256dh, auth } })).addWebPushSubscription;
    expect(loopback).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'endpoint' }] });
    const plain = (await gqlAs(guarded, user, ADD_WEB, { input: { endpoint: 'http://push.example.com/1', p256dh, auth } })).addWebPushSubscription;
    expect(plain).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'endpoint', message: expect.stringContaining('https') }] });
    const keys = (await gqlAs(open, user, ADD_WEB, { input: { endpoint: 'https://127.0.0.1:8443/push/1', p256dh: 'short', auth: 'no spaces!' } })).addWebPushSubscription;
    expect(keys.issues.map((i: Data) => i.field).sort()).toEqual(['auth', 'p256dh']);
    const token = (await gqlAs(open, user, ADD_MOBILE, { input: { token: 'not-a-token', platform: 'IOS' } })).addMobilePushToken;
    expect(token).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'token' }] });
    expect((await gqlAs(guarded, user, LIST)).pushTargets).toEqual([]);
  });

  it('registers, lists, refreshes and removes a person’s targets; nobody else sees or removes them', async () => {
    const user = await signUpUser(open, 'Pushed');
    const other = await signUpUser(open, 'Other');
    const web = (await gqlAs(open, user, ADD_WEB, { input: { endpoint: 'https://127.0.0.1:8443/push/abc', p256dh, auth } })).addWebPushSubscription;
    expect(web).toMatchObject({ __typename: 'PushTarget', kind: 'WEB', endpoint: 'https://127.0.0.1:8443/push/abc', platform: null });
    const again = (await gqlAs(open, user, ADD_WEB, { input: { endpoint: 'https://127.0.0.1:8443/push/abc', p256dh, auth: Buffer.alloc(16, 9).toString('base64url') } })).addWebPushSubscription;
    expect(again.id).toBe(web.id); // the same subscription, keys refreshed
    const phone = (await gqlAs(open, user, ADD_MOBILE, { input: { token: 'ExponentPushToken[abc123]', platform: 'ANDROID' } })).addMobilePushToken;
    expect(phone).toMatchObject({ kind: 'MOBILE', platform: 'ANDROID', endpoint: null });
    expect((await gqlAs(open, user, LIST)).pushTargets.map((t: Data) => t.id)).toEqual([web.id, phone.id]);

    // Another person sees none of them and cannot remove them.
    expect((await gqlAs(open, other, LIST)).pushTargets).toEqual([]);
    expect((await gqlAs(open, other, REMOVE, { id: web.id })).removePushTarget.__typename).toBe('NotFoundError');
    expect((await gqlAs(open, other, REMOVE, { id: 'garbage' })).removePushTarget.__typename).toBe('NotFoundError');
    expect((await gqlAs(open, user, LIST)).pushTargets).toHaveLength(2);

    expect((await gqlAs(open, user, REMOVE, { id: web.id })).removePushTarget).toEqual({ __typename: 'RemovePushTargetPayload', pushTargetId: web.id });
    expect((await gqlAs(open, user, LIST)).pushTargets.map((t: Data) => t.id)).toEqual([phone.id]);
    expect((await gqlAs(open, user, REMOVE, { id: web.id })).removePushTarget.__typename).toBe('NotFoundError');
  });
});
