import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { gqlOn, type Data } from '../helpers/kit.ts';

let server: TestServer;
useTestServer({}, (s) => (server = s));

const gql = gqlOn(() => server);

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on SendMessagePayload { message { id seq body status authorKind authorUser { displayName } clientMessageId } runs { id } } ... on ValidationError { issues { field message } } ... on Error { errorMessage: message } } }`;
const CREATE = `mutation($input: CreateThreadInput!) { createThread(input: $input) { __typename ... on CreateThreadPayload { created thread { id kind title members { user { displayName } teammate { name } } } } ... on ValidationError { issues { field message } } ... on Error { errorMessage: message } } }`;

async function starterOf(user: TestUser): Promise<string> {
  const { teammates } = await gql(user, '{ teammates { edges { node { id catalogKey } } } }');
  return teammates.edges.find((e: Data) => e.node.catalogKey === 'starter').node.id;
}

async function hire(user: TestUser, key: string, org?: string): Promise<string> {
  const r = await gql(user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key }, org);
  return r.hireTeammate.id;
}

describe('onboarding threads', () => {
  it('a new person has a team chat and a direct thread where the starter says hello', async () => {
    const user = await signUpUser(server, 'Newcomer');
    const { threads } = await gql(user, '{ threads { edges { node { kind title isDefault preview unreadCount lastSeq members { user { displayName } teammate { name } } } } } }');
    const nodes = threads.edges.map((e: Data) => e.node);
    expect(nodes).toHaveLength(2);
    const direct = nodes.find((n: Data) => n.kind === 'DIRECT');
    const team = nodes.find((n: Data) => n.kind === 'TEAM');
    expect(direct.preview).toMatch(/^Hi! I'm \w+, your team generalist\./);
    expect(direct.unreadCount).toBe(1);
    expect(direct.lastSeq).toBe(1);
    expect(team).toMatchObject({ isDefault: true, title: 'Team chat', unreadCount: 0 });
    expect(team.members.map((m: Data) => m.user?.displayName ?? m.teammate?.name)).toHaveLength(2);
  });
});

describe('threads', () => {
  it('reuses the direct thread per person and teammate, even under concurrent requests', async () => {
    const user = await signUpUser(server, 'Direct');
    const writer = await hire(user, 'writer');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => gql(user, CREATE, { input: { kind: 'DIRECT', teammateIds: [writer] } })),
    );
    const ids = new Set(results.map((r) => r.createThread.thread.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.createThread.created)).toHaveLength(1);
  });

  it('creates team threads with teammates and other people of the organisation, and validates', async () => {
    const owner = await signUpUser(server, 'Lead');
    const colleague = await signUpUser(server, 'Colleague');
    const org = (await gql(owner, 'mutation { createOrg(input: { name: "Studio" }) { ... on OrgPayload { org { id } } } }')).createOrg.org.id;
    const invite = await gql(owner, 'mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }', { e: colleague.email }, org);
    await gql(colleague, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.inviteMember.token });
    const illustrator = await hire(owner, 'illustrator', org);
    const filmmaker = await hire(owner, 'filmmaker', org);
    const members = await gql(owner, '{ viewer { currentOrg { members { edges { node { user { id displayName } } } } } } }', {}, org);
    const colleagueId = members.viewer.currentOrg.members.edges.find((e: Data) => e.node.user.displayName === 'Colleague').node.user.id;

    const created = (await gql(owner, CREATE, { input: { kind: 'TEAM', teammateIds: [illustrator, filmmaker], userIds: [colleagueId], title: 'Launch video' } }, org)).createThread;
    expect(created.thread).toMatchObject({ kind: 'TEAM', title: 'Launch video' });
    expect(created.thread.members.map((m: Data) => m.user?.displayName ?? m.teammate?.name).length).toBe(4);
    // The colleague sees it; the team chat got both hires announced.
    const theirs = await gql(colleague, '{ threads { edges { node { title } } } }', {}, org);
    expect(theirs.threads.edges.map((e: Data) => e.node.title)).toEqual(expect.arrayContaining(['Launch video', 'Team chat']));
    const teamChat = await gql(owner, '{ threads { edges { node { isDefault messages { edges { node { authorKind body } } } } } } }', {}, org);
    const chat = teamChat.threads.edges.find((e: Data) => e.node.isDefault).node;
    expect(chat.messages.edges.map((e: Data) => e.node.body)).toEqual([expect.stringMatching(/joined the chat$/), expect.stringMatching(/joined the chat$/)]);

    const twoForDirect = (await gql(owner, CREATE, { input: { kind: 'DIRECT', teammateIds: [illustrator, filmmaker] } }, org)).createThread;
    expect(twoForDirect).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'teammateIds' }] });
    const stranger = await signUpUser(server, 'Stranger');
    const strangersTeammate = await starterOf(stranger);
    expect((await gql(owner, CREATE, { input: { kind: 'TEAM', teammateIds: [strangersTeammate] } }, org)).createThread.__typename).toBe('NotFoundError');
  });

  it('dismissing a teammate says so in the team chat and keeps the history', async () => {
    const owner = await signUpUser(server, 'Dismisser');
    const analyst = await hire(owner, 'analyst');
    await gql(owner, 'mutation($id: ID!) { dismissTeammate(input: { teammateId: $id }) { __typename } }', { id: analyst });
    const { threads } = await gql(owner, '{ threads { edges { node { isDefault members { teammate { id } } messages { edges { node { body } } } } } } }');
    const chat = threads.edges.find((e: Data) => e.node.isDefault).node;
    const bodies = chat.messages.edges.map((e: Data) => e.node.body);
    expect(bodies.at(-2)).toMatch(/joined the chat$/);
    expect(bodies.at(-1)).toMatch(/left the chat$/);
    expect(chat.members.map((m: Data) => m.teammate?.id)).not.toContain(analyst);
  });

  it('updates title, busy policy and archive state; direct threads keep their two members', async () => {
    const user = await signUpUser(server, 'Updater');
    const { threads } = await gql(user, '{ threads { edges { node { id kind } } } }');
    const direct = threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node.id;
    const UPDATE = `mutation($input: UpdateThreadInput!) { updateThread(input: $input) { __typename ... on Thread { title busyPolicy archived } ... on Error { message } } }`;
    expect((await gql(user, UPDATE, { input: { threadId: direct, title: 'Noor and me', busyPolicy: 'INTERRUPT' } })).updateThread).toEqual({
      __typename: 'Thread',
      title: 'Noor and me',
      busyPolicy: 'INTERRUPT',
      archived: false,
    });
    const other = await hire(user, 'writer');
    expect((await gql(user, UPDATE, { input: { threadId: direct, addTeammateIds: [other] } })).updateThread.__typename).toBe('ForbiddenError');
    expect((await gql(user, UPDATE, { input: { threadId: direct, archived: true } })).updateThread.archived).toBe(true);
    const archivedSend = (await gql(user, SEND, { input: { threadId: direct, body: 'hello?' } })).sendMessage;
    expect(archivedSend.__typename).toBe('ConflictError');
    const listed = await gql(user, '{ active: threads { edges { node { id } } } all: threads(includeArchived: true) { edges { node { id } } } }');
    expect(listed.active.edges.map((e: Data) => e.node.id)).not.toContain(direct);
    expect(listed.all.edges.map((e: Data) => e.node.id)).toContain(direct);
  });
});

describe('messages', () => {
  it('allocates strictly increasing seqs without gaps, even for concurrent senders', async () => {
    const user = await signUpUser(server, 'Sender');
    const { threads } = await gql(user, '{ threads { edges { node { id isDefault } } } }');
    const chat = threads.edges.find((e: Data) => e.node.isDefault).node.id;
    await Promise.all(Array.from({ length: 20 }, (_, i) => gql(user, SEND, { input: { threadId: chat, body: `message ${i}` } })));
    const { thread } = await gql(user, 'query($id: ID!) { thread(id: $id) { lastSeq messages(first: 100) { edges { node { seq } } } } }', { id: chat });
    const seqs = thread.messages.edges.map((e: Data) => e.node.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(thread.lastSeq).toBe(seqs.length);
  });

  it('is idempotent on clientMessageId; a reused key with another body is a conflict', async () => {
    const user = await signUpUser(server, 'Retry');
    const { threads } = await gql(user, '{ threads { edges { node { id kind } } } }');
    const thread = threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node.id;
    const input = { threadId: thread, body: 'Please draft the brief', clientMessageId: 'c-1' };
    const first = (await gql(user, SEND, { input })).sendMessage;
    expect(first).toMatchObject({ __typename: 'SendMessagePayload', message: { seq: 2, body: input.body, authorKind: 'USER', clientMessageId: 'c-1' } });
    expect(first.runs).toHaveLength(1); // the teammate of the direct thread answers
    const again = (await gql(user, SEND, { input })).sendMessage;
    expect(again.message.id).toBe(first.message.id);
    expect(again.runs).toEqual(first.runs); // the retry started nothing new
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => gql(user, SEND, { input: { ...input, clientMessageId: 'c-2' } })));
    expect(new Set(concurrent.map((r) => r.sendMessage.message.id)).size).toBe(1);
    expect((await gql(user, SEND, { input: { ...input, body: 'Something else' } })).sendMessage.__typename).toBe('ConflictError');
    const { thread: after } = await gql(user, 'query($id: ID!) { thread(id: $id) { lastSeq } }', { id: thread });
    expect(after.lastSeq).toBe(3); // greeting + c-1 + c-2
  });

  it('refuses empty, oversized, unknown-thread and unknown-file messages with typed errors', async () => {
    const user = await signUpUser(server, 'Picky');
    const other = await signUpUser(server, 'Elsewhere');
    const thread = (await gql(user, '{ threads { edges { node { id } } } }')).threads.edges[0].node.id;
    const theirs = (await gql(other, '{ threads { edges { node { id } } } }')).threads.edges[0].node.id;
    const empty = (await gql(user, SEND, { input: { threadId: thread, body: '   ' } })).sendMessage;
    expect(empty).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'body', message: 'must not be empty' }] });
    const huge = (await gql(user, SEND, { input: { threadId: thread, body: 'x'.repeat(32_001) } })).sendMessage;
    expect(huge).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'body' }] });
    expect((await gql(user, SEND, { input: { threadId: theirs, body: 'hi' } })).sendMessage.__typename).toBe('NotFoundError');
    const lastSeq = async () => (await gql(user, 'query($id: ID!) { thread(id: $id) { lastSeq } }', { id: thread })).thread.lastSeq;
    const before = await lastSeq();
    const noFile = encodeGlobalID('File', randomUUID());
    expect((await gql(user, SEND, { input: { threadId: thread, body: 'hi', fileIds: [noFile] } })).sendMessage.__typename).toBe('NotFoundError');
    const malformed = await server.gql<Data>(SEND, { input: { threadId: thread, body: 'hi', fileIds: ['nope'] } }, { token: user.token });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await lastSeq()).toBe(before); // nothing refused was stored
  });

  it('pages messages newest-first on demand and back with before', async () => {
    const user = await signUpUser(server, 'Pager');
    const thread = (await gql(user, '{ threads { edges { node { id kind } } } }')).threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node.id;
    for (let i = 0; i < 24; i += 1) await gql(user, SEND, { input: { threadId: thread, body: `m${i}` } });
    const Q = 'query($id: ID!, $before: String) { thread(id: $id) { messages(last: 10, before: $before) { pageInfo { hasPreviousPage startCursor } edges { node { seq } } } } }';
    const newest = (await gql(user, Q, { id: thread })).thread.messages;
    expect(newest.edges.map((e: Data) => e.node.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(newest.pageInfo.hasPreviousPage).toBe(true);
    const older = (await gql(user, Q, { id: thread, before: newest.pageInfo.startCursor })).thread.messages;
    expect(older.edges.map((e: Data) => e.node.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it('unread counts follow the read position, which only moves forward', async () => {
    const user = await signUpUser(server, 'Reader');
    const thread = (await gql(user, '{ threads { edges { node { id kind unreadCount } } } }')).threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node;
    expect(thread.unreadCount).toBe(1);
    const READ = 'mutation($id: ID!, $seq: Int!) { markThreadRead(input: { threadId: $id, seq: $seq }) { __typename ... on MarkThreadReadPayload { lastReadSeq thread { unreadCount } } } }';
    expect((await gql(user, READ, { id: thread.id, seq: 99 })).markThreadRead).toEqual({ __typename: 'MarkThreadReadPayload', lastReadSeq: 1, thread: { unreadCount: 0 } });
    expect((await gql(user, READ, { id: thread.id, seq: 0 })).markThreadRead.lastReadSeq).toBe(1);
  });
});
