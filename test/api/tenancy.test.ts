import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { type Data } from '../helpers/kit.ts';

/**
 * A person in org A gets nothing of org B through any field, mutation or connection parameter, and
 * B's ids behave exactly like ids that do not exist.
 */
let db: TestDatabase;
let server: TestServer;
let alice: TestUser; // org A's owner
let mallory: TestUser; // someone else entirely
let aTeamOrg: string;
let aKey: { id: string; secret: string };
let aInvitation: string;

async function as(user: TestUser, query: string, variables: Data = {}, org?: string) {
  return server.gql<Data>(query, variables, { token: user.token, headers: org ? { 'x-tmates-org': org } : {} });
}

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer({ databaseUrl: db.url });
  alice = await signUpUser(server, 'Alice');
  mallory = await signUpUser(server, 'Mallory');
  const org = await as(alice, 'mutation { createOrg(input: { name: "A Team" }) { ... on OrgPayload { org { id } } } }');
  aTeamOrg = (org.data!.createOrg as { org: { id: string } }).org.id;
  const key = await as(
    alice,
    'mutation { createApiKey(input: { name: "A key" }) { ... on CreateApiKeyPayload { secret apiKey { id } } } }',
    {},
    aTeamOrg,
  );
  const created = key.data!.createApiKey as { secret: string; apiKey: { id: string } };
  aKey = { id: created.apiKey.id, secret: created.secret };
  const invite = await as(
    alice,
    'mutation { inviteMember(input: { email: "someone@example.com" }) { ... on InviteMemberPayload { invitation { id } } } }',
    {},
    aTeamOrg,
  );
  aInvitation = (invite.data!.inviteMember as { invitation: { id: string } }).invitation.id;
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

const missing = (type: string) => encodeGlobalID(type, randomUUID());

describe('tenant isolation', () => {
  it('node and nodes return null for the other org’s objects, exactly as for ids that do not exist', async () => {
    const ids = [alice.userId, alice.orgId, aTeamOrg, aKey.id, aInvitation];
    const nonexistent = ['User', 'Org', 'Org', 'ApiKey', 'Invitation'].map(missing);
    for (const id of [...ids, ...nonexistent]) {
      const result = await as(mallory, 'query($id: ID!) { node(id: $id) { id __typename } }', { id });
      expect(result).toMatchObject({ data: { node: null } });
      expect(result.errors).toBeUndefined();
    }
    const many = await as(mallory, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expect(many.data).toEqual({ nodes: [null, null, null, null, null] });
    // Sanity: Alice sees her own objects through the same fields.
    const own = await as(alice, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }, aTeamOrg);
    expect((own.data!.nodes as Array<{ id: string } | null>).map((n) => n?.id)).toEqual(ids);
  });

  it('X-Tmates-Org naming the other org is refused exactly like an org that does not exist', async () => {
    const theirs = await as(mallory, '{ viewer { role } }', {}, aTeamOrg);
    const nowhere = await as(mallory, '{ viewer { role } }', {}, missing('Org'));
    const rawUuid = await as(mallory, '{ viewer { role } }', {}, randomUUID());
    for (const result of [theirs, nowhere, rawUuid]) {
      expect(result.status).toBe(403);
      expect(result.errors?.[0]).toMatchObject({ message: 'Organisation not found', extensions: { code: 'ORG_NOT_FOUND' } });
    }
  });

  it('mutations on the other org’s objects fail with NotFoundError, as for ids that do not exist, and change nothing', async () => {
    const cases: Array<[string, Data, Data]> = [
      [
        'mutation($id: ID!) { revokeApiKey(input: { apiKeyId: $id }) { __typename ... on Error { message } } }',
        { id: aKey.id },
        { id: missing('ApiKey') },
      ],
      [
        'mutation($id: ID!) { revokeInvitation(input: { invitationId: $id }) { __typename ... on Error { message } } }',
        { id: aInvitation },
        { id: missing('Invitation') },
      ],
      [
        'mutation($id: ID!) { changeMemberRole(input: { userId: $id, role: MEMBER }) { __typename ... on Error { message } } }',
        { id: alice.userId },
        { id: missing('User') },
      ],
      [
        'mutation($id: ID!) { removeMember(input: { userId: $id }) { __typename ... on Error { message } } }',
        { id: alice.userId },
        { id: missing('User') },
      ],
      [
        'mutation($id: ID!) { leaveOrg(input: { orgId: $id }) { __typename ... on Error { message } } }',
        { id: aTeamOrg },
        { id: missing('Org') },
      ],
    ];
    for (const [query, theirs, nowhere] of cases) {
      const a = await as(mallory, query, theirs);
      const b = await as(mallory, query, nowhere);
      expect(a.errors).toBeUndefined();
      expect(Object.values(a.data!)[0]).toMatchObject({ __typename: 'NotFoundError' });
      expect(Object.values(a.data!)[0]).toEqual(Object.values(b.data!)[0]);
    }
    // Alice's key still works and her invitation is still pending.
    expect((await server.gql('{ viewer { role } }', {}, { token: aKey.secret })).status).toBe(200);
    const invitations = await as(alice, '{ viewer { currentOrg { invitations { id status } } } }', {}, aTeamOrg);
    expect(invitations.data).toEqual({ viewer: { currentOrg: { invitations: [{ id: aInvitation, status: 'PENDING' }] } } });
  });

  it('an API key of org A cannot be pointed at another org', async () => {
    const result = await server.gql('{ viewer { role } }', {}, { token: aKey.secret, headers: { 'x-tmates-org': alice.orgId } });
    expect(result.errors?.[0]?.extensions?.code).toBe('ORG_NOT_FOUND');
  });

  it('a WebSocket naming the other org in connectionParams is closed like one naming no org', async () => {
    const close = (org: string) =>
      new Promise<number | 'open'>((resolve) => {
        const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
        socket.on('open', () =>
          socket.send(JSON.stringify({ type: 'connection_init', payload: { token: mallory.token, org } })),
        );
        socket.on('message', () => {
          resolve('open');
          socket.close();
        });
        socket.on('close', (code) => resolve(code));
      });
    expect(await close(aTeamOrg)).toBe(4403);
    expect(await close(missing('Org'))).toBe(4403);
    expect(await close(mallory.orgId)).toBe('open');
  });

  it('people who share an organisation see each other, and only then', async () => {
    const query = 'query($id: ID!) { node(id: $id) { ... on User { displayName } } }';
    expect((await as(mallory, query, { id: alice.userId })).data).toEqual({ node: null });
    const invite = await as(
      alice,
      'mutation($email: String!) { inviteMember(input: { email: $email }) { ... on InviteMemberPayload { token } } }',
      { email: mallory.email },
      aTeamOrg,
    );
    const token = (invite.data!.inviteMember as { token: string }).token;
    await as(mallory, 'mutation($token: String!) { acceptInvitation(input: { token: $token }) { __typename } }', { token });
    expect((await as(mallory, query, { id: alice.userId })).data).toEqual({ node: { displayName: 'Alice' } });
    // Still not her personal org, nor keys or invitations of an org Mallory does not administer.
    const ids = [alice.orgId, aKey.id, aInvitation];
    const result = await as(mallory, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids }, aTeamOrg);
    expect(result.data).toEqual({ nodes: [null, null, null] });
  });
});
