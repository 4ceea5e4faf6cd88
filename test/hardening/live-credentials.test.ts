import { decodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { issueToken } from '../../src/auth/tokens.ts';
import { endCredentials } from '../../src/services/credentials.ts';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { directThreadOf } from '../helpers/agents.ts';
import { TEST_SECRET, type TestServer } from '../helpers/server.ts';
import { useTwoServers } from '../helpers/two-servers.ts';
import { probeUntil } from '../helpers/kit.ts';
import { collect, type Collected } from '../helpers/subscriptions.ts';
import { openSse, socketClient, until } from './streams.ts';
import { makeTeam } from './team.ts';

/** Credentials are changed through one process; the streams are open on the other. */
let a: TestServer;
let b: TestServer;
useTwoServers((servers) => ({ a, b } = servers));

type Data = Record<string, any>;
const THREAD = 'subscription($id: ID!) { threadEvents(threadId: $id) { __typename ... on MessageEvent { message { body } } } }';
const VIEWER = 'subscription { viewerEvents { __typename ... on MessageEvent { message { body } } } }';
const SEND = 'mutation($id: ID!, $b: String!) { sendMessage(input: { threadId: $id, body: $b }) { __typename } }';

const bodies = (sub: Collected<Data>) => sub.events.map((e) => (e.threadEvents ?? e.viewerEvents)?.message?.body).filter(Boolean);
const errorText = (sub: Collected<Data>) => JSON.stringify(sub.errors);

async function apiKeyOf(user: TestUser): Promise<{ id: string; secret: string }> {
  const result = await a.gql<Data>('mutation { createApiKey(input: { name: "ci" }) { ... on CreateApiKeyPayload { secret apiKey { id } } } }', {}, { token: user.token });
  return { id: result.data!.createApiKey.apiKey.id, secret: result.data!.createApiKey.secret };
}

/** A WebSocket on server b with a threadEvents and a viewerEvents subscription, both live. */
async function openSocket(user: TestUser, credential: string, thread: string) {
  const socket = socketClient(b.wsUrl, { authorization: `Bearer ${credential}` });
  const threadSub = collect<Data>(socket.client, THREAD, { id: thread });
  const viewerSub = collect<Data>(socket.client, VIEWER);
  // Both are live once a message reaches both (the first may be sent before they are).
  await probeUntil(
    async () => {
      if (socket.closes.length > 0) throw new Error(`subscriptions did not start: ${JSON.stringify({ closes: socket.closes, t: threadSub.errors, v: viewerSub.errors })}`);
      await a.gql(SEND, { id: thread, b: 'before' }, { token: user.token });
    },
    () => bodies(threadSub).includes('before') && bodies(viewerSub).includes('before'),
    'both subscriptions to start',
  );
  return { ...socket, threadSub, viewerSub };
}

describe('credentials are checked for the life of a stream', () => {
  it('revoking an API key ends its subscriptions at once, closes the socket with 4403, and ends its SSE stream', async () => {
    const user = await signUpUser(a, 'Revoker');
    const thread = await directThreadOf(a, user);
    const key = await apiKeyOf(user);
    const { threadSub, viewerSub, closes, client } = await openSocket(user, key.secret, thread);
    // Someone else, with a key of their own: not touched by the first person's revocation.
    const bystander = await signUpUser(a, 'Bystander');
    const bystanderThread = await directThreadOf(a, bystander);
    const other = await openSocket(bystander, (await apiKeyOf(bystander)).secret, bystanderThread);
    const sse = await openSse(b.url, key.secret, THREAD, { id: thread });
    expect(sse.status).toBe(200);
    await a.gql(SEND, { id: thread, b: 'sse check' }, { token: user.token });
    await until(() => sse.text().includes('sse check'));

    const revoked = await a.gql<Data>('mutation($id: ID!) { revokeApiKey(input: { apiKeyId: $id }) { __typename } }', { id: key.id }, { token: user.token });
    expect(revoked.data!.revokeApiKey.__typename).toBe('ApiKey');
    await Promise.all([threadSub.ended(), viewerSub.ended(), sse.ended]);
    expect(errorText(threadSub)).toContain('This API key was revoked');
    expect(errorText(viewerSub)).toContain('This API key was revoked');
    await until(() => closes.length > 0);
    expect(closes[0]!.code).toBe(4403);
    expect(sse.text()).toContain('This API key was revoked');

    await a.gql(SEND, { id: thread, b: 'after' }, { token: user.token });
    await new Promise((r) => setTimeout(r, 300)); // nothing may arrive: give it the chance to
    expect(bodies(threadSub)).not.toContain('after');
    expect(sse.text()).not.toContain('after');
    await a.gql(SEND, { id: bystanderThread, b: 'bystander after' }, { token: bystander.token });
    await until(() => bodies(other.threadSub).includes('bystander after') && bodies(other.viewerSub).includes('bystander after'));
    expect([other.threadSub.errors, other.viewerSub.errors, other.closes]).toEqual([[], [], []]);
    await Promise.all([client.dispose(), other.client.dispose()]);
  });

  it('a token that expires ends its streams when it expires', async () => {
    const user = await signUpUser(a, 'Expiring');
    const thread = await directThreadOf(a, user);
    const short = await issueToken(TEST_SECRET, decodeGlobalID(user.userId).id, 3);
    const { threadSub, viewerSub, closes, client } = await openSocket(user, short.token, thread);
    const sse = await openSse(b.url, short.token, VIEWER);
    await Promise.all([threadSub.ended(), viewerSub.ended(), sse.ended]);
    expect(Date.now()).toBeGreaterThanOrEqual(short.expiresAt.getTime() - 50);
    expect(errorText(threadSub)).toContain('Your sign-in expired');
    await until(() => closes.length > 0);
    expect(closes[0]!.code).toBe(4403);
    expect(sse.text()).toContain('Your sign-in expired');
    await client.dispose();
  });

  it('a password change ends the built-in tokens’ streams (not API keys’), and deleting the account ends all', async () => {
    const user = await signUpUser(a, 'Changer');
    const thread = await directThreadOf(a, user);
    const key = await apiKeyOf(user);
    const byToken = await openSocket(user, user.token, thread);
    const byKey = await openSocket(user, key.secret, thread);
    await endCredentials(a.app.services, { userId: decodeGlobalID(user.userId).id, reason: 'password_changed', via: ['token'] });
    await byToken.threadSub.ended();
    expect(errorText(byToken.threadSub)).toContain('The password was changed');
    await until(() => byToken.closes.length > 0);
    expect(byToken.closes[0]!.code).toBe(4403);
    await a.gql(SEND, { id: thread, b: 'still here' }, { token: user.token });
    await until(() => bodies(byKey.threadSub).includes('still here'));
    await endCredentials(a.app.services, { userId: decodeGlobalID(user.userId).id, reason: 'account_deleted' });
    await Promise.all([byKey.threadSub.ended(), byKey.viewerSub.ended()]);
    expect(errorText(byKey.viewerSub)).toContain('This account was deleted');
    await until(() => byKey.closes.length > 0);
    expect(byKey.closes[0]!.code).toBe(4403);
    await Promise.all([byToken.client.dispose(), byKey.client.dispose()]);
  });

  it('removing a member ends every stream they have in that organisation', async () => {
    const team = await makeTeam(a, 'Removal');
    const socket = socketClient(b.wsUrl, { authorization: `Bearer ${team.member.token}`, org: team.org });
    const viewerSub = collect<Data>(socket.client, VIEWER);
    const sse = await openSse(b.url, team.member.token, VIEWER, {}, { 'x-tmates-org': team.org });
    const members = await team.as(team.owner, '{ viewer { currentOrg { members { edges { node { user { id displayName } } } } } } }');
    const memberId = members.viewer.currentOrg.members.edges.find((e: Data) => e.node.user.displayName.endsWith('Member')).node.user.id;
    // Both streams are live once a pinboard post (an event for every member) reaches both.
    await probeUntil(
      () => team.as(team.owner, 'mutation { createPinboardPost(input: { title: "Hello", body: "Welcome" }) { __typename } }'),
      () => viewerSub.events.length > 0 && sse.events.length > 0,
      'both streams to start',
    );
    const removed = await team.as(team.owner, 'mutation($u: ID!) { removeMember(input: { userId: $u }) { __typename } }', { u: memberId });
    expect(removed.removeMember.__typename).toBe('OrgPayload');
    await Promise.all([viewerSub.ended(), sse.ended]);
    expect(errorText(viewerSub)).toContain('no longer a member');
    await until(() => socket.closes.length > 0);
    expect(socket.closes[0]!.code).toBe(4403);
    await socket.client.dispose();
  });
});
