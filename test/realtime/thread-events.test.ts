import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { SUBSCRIPTION_LOADER_TTL_MS } from '../../src/schema/batched.ts';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import type { TestDatabase } from '../helpers/database.ts';
import type { TestServer } from '../helpers/server.ts';
import { useTwoServers } from '../helpers/two-servers.ts';
import { collect, messageEvents, type Collected } from '../helpers/subscriptions.ts';
import { gqlOn, waitFor, type Data } from '../helpers/kit.ts';

/** Two API processes on one database, like a scaled-out installation. */
let db: TestDatabase;
let a: TestServer;
let b: TestServer;
useTwoServers((servers) => ({ a, b, db } = servers));

const gql = gqlOn(() => a);

const EVENTS = `subscription($id: ID!, $after: String) {
  threadEvents(threadId: $id, after: $after) {
    __typename cursor thread { id }
    ... on MessageEvent { created mentionsViewer message { seq body authorKind } }
    ... on ReadEvent { seq user { displayName } }
  }
}`;
const SEND = `mutation($id: ID!, $body: String!) { sendMessage(input: { threadId: $id, body: $body }) { __typename ... on SendMessagePayload { message { seq } } } }`;

/** Starts a subscription and returns once the server is listening for its events. */
async function listen(server: TestServer, start: () => Collected<Data>): Promise<Collected<Data>> {
  const before = server.app.services.bus.listenerCount();
  const sub = start();
  await waitFor(() => server.app.services.bus.listenerCount() > before || sub.errors.length > 0);
  return sub;
}

async function teamChatOf(user: TestUser): Promise<string> {
  const { threads } = await gql(user, '{ threads { edges { node { id isDefault } } } }');
  return threads.edges.find((e: Data) => e.node.isDefault).node.id;
}

describe('threadEvents', () => {
  it('shows each event as things are when it happens, not when the subscription started', async () => {
    const user = await signUpUser(a, 'Renamer');
    const thread = await teamChatOf(user);
    const sub = await listen(a, () =>
      collect(a.wsClient({ token: user.token }), 'subscription($id: ID!) { threadEvents(threadId: $id) { __typename ... on MessageEvent { message { body authorUser { displayName } } } } }', { id: thread }),
    );
    const authorOf = async (body: string) => {
      await waitFor(() => sub.events.some((e) => e.threadEvents.message?.body === body));
      return sub.events.find((e) => e.threadEvents.message?.body === body)!.threadEvents.message.authorUser.displayName;
    };
    await gql(user, SEND, { id: thread, body: 'before the rename' });
    expect(await authorOf('before the rename')).toBe('Renamer');
    await gql(user, 'mutation { updateProfile(input: { displayName: "Renamed" }) { __typename } }');
    // Events a few seconds apart share the subscription's loader cache (cheap fan-out); after
    // that, the next event loads afresh: never stale for the life of the subscription.
    const { clock } = a.app.services;
    const realNow = clock.now;
    clock.now = () => new Date(Date.now() + SUBSCRIPTION_LOADER_TTL_MS);
    try {
      await gql(user, SEND, { id: thread, body: 'a while after the rename' });
      expect(await authorOf('a while after the rename')).toBe('Renamed');
    } finally {
      clock.now = realNow;
    }
    sub.stop();
  });

  it('delivers a message sent through another process, live', async () => {
    const user = await signUpUser(a, 'Live');
    const thread = await teamChatOf(user);
    const sub = await listen(a, () => collect(a.wsClient({ token: user.token }), EVENTS, { id: thread }, messageEvents));
    await gql(user, SEND, { id: thread, body: 'from process B' }, b);
    const [event] = await sub.waitFor(1);
    expect(event!.threadEvents).toMatchObject({
      __typename: 'MessageEvent',
      created: true,
      thread: { id: thread },
      message: { seq: 1, body: 'from process B', authorKind: 'USER' },
    });
    sub.stop();
  });

  it('resumes after a disconnect: exactly the missed messages, in order, then live ones', async () => {
    const user = await signUpUser(a, 'Resume');
    const thread = await teamChatOf(user);
    const first = await listen(a, () => collect(a.wsClient({ token: user.token }), EVENTS, { id: thread }, messageEvents));
    await gql(user, SEND, { id: thread, body: 'before' });
    const [seen] = await first.waitFor(1);
    first.stop();
    const cursor = seen!.threadEvents.cursor as string;

    for (let i = 1; i <= 50; i += 1) await gql(user, SEND, { id: thread, body: `missed ${i}` }, i % 2 ? a : b);
    const resumed = collect(b.wsClient({ token: user.token }), EVENTS, { id: thread, after: cursor }, messageEvents);
    await resumed.waitFor(50);
    await gql(user, SEND, { id: thread, body: 'live after resume' }, a);
    const events = await resumed.waitFor(51);
    await new Promise((r) => setTimeout(r, 300)); // nothing extra may follow
    const bodies = resumed.events.map((e: Data) => e.threadEvents.message.body);
    expect(bodies).toEqual([...Array.from({ length: 50 }, (_, i) => `missed ${i + 1}`), 'live after resume']);
    const cursors = events.map((e: Data) => Number(e.threadEvents.cursor));
    expect(cursors).toEqual([...cursors].sort((x, y) => x - y));
    resumed.stop();
    // Unsubscribing releases the bus listeners (no leak per subscription).
    await waitFor(() => b.app.services.bus.listenerCount() === 0);
  });

  it('loses nothing sent while the subscription is being set up', async () => {
    const user = await signUpUser(a, 'Race');
    const thread = await teamChatOf(user);
    const { thread: t } = await gql(user, 'query($id: ID!) { thread(id: $id) { eventCursor } }', { id: thread });
    const sending = (async () => {
      for (let i = 0; i < 30; i += 1) await gql(user, SEND, { id: thread, body: `race ${i}` }, b);
    })();
    const sub = collect(a.wsClient({ token: user.token }), EVENTS, { id: thread, after: t.eventCursor }, messageEvents);
    await sending;
    await sub.waitFor(30);
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events.map((e: Data) => e.threadEvents.message.body)).toEqual(Array.from({ length: 30 }, (_, i) => `race ${i}`));
    sub.stop();
  });

  it('streams over server-sent events too', async () => {
    const user = await signUpUser(a, 'Sse');
    const thread = await teamChatOf(user);
    const controller = new AbortController();
    const listenersBefore = a.app.services.bus.listenerCount();
    const response = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: EVENTS, variables: { id: thread } }),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    await waitFor(() => a.app.services.bus.listenerCount() > listenersBefore);
    await gql(user, SEND, { id: thread, body: 'over SSE' }, b);
    let text = '';
    while (!text.includes('over SSE')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain('"body":"over SSE"');
    controller.abort();
  });

  it('reports read positions', async () => {
    const user = await signUpUser(a, 'Marker');
    const thread = await teamChatOf(user);
    await gql(user, SEND, { id: thread, body: 'read me' });
    const sub = await listen(b, () => collect(b.wsClient({ token: user.token }), EVENTS, { id: thread }, (e) => e.threadEvents.__typename === 'ReadEvent'));
    await gql(user, 'mutation($id: ID!) { markThreadRead(input: { threadId: $id, seq: 1 }) { __typename } }', { id: thread });
    const [event] = await sub.waitFor(1);
    expect(event!.threadEvents).toMatchObject({ __typename: 'ReadEvent', seq: 1, user: { displayName: 'Marker' } });
    sub.stop();
  });
});

describe('authorisation of subscriptions', () => {
  it('a person of another organisation cannot subscribe to a thread: an error and no events', async () => {
    const owner = await signUpUser(a, 'Owner');
    const outsider = await signUpUser(a, 'Outsider');
    const thread = await teamChatOf(owner);
    const sub = collect(a.wsClient({ token: outsider.token }), EVENTS, { id: thread });
    await sub.ended();
    expect(JSON.stringify(sub.errors)).toContain('Thread not found');
    await gql(owner, SEND, { id: thread, body: 'secret' });
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events).toEqual([]);
  });

  it('a person removed from a thread stops receiving from it', async () => {
    const owner = await signUpUser(a, 'Host');
    const guest = await signUpUser(a, 'Guest');
    const org = (await gql(owner, 'mutation { createOrg(input: { name: "Hosted" }) { ... on OrgPayload { org { id } } } }')).createOrg.org.id;
    const asOwner = (q: string, v: Data = {}) => a.gql<Data>(q, v, { token: owner.token, headers: { 'x-tmates-org': org } });
    const invite = await asOwner('mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }', { e: guest.email });
    await gql(guest, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.data!.inviteMember.token });
    const hired = await asOwner('mutation { hireTeammate(input: { catalogKey: "writer" }) { ... on Teammate { id } } }');
    const members = await asOwner('{ viewer { currentOrg { members { edges { node { user { id displayName } } } } } } }');
    const guestId = members.data!.viewer.currentOrg.members.edges.find((e: Data) => e.node.user.displayName === 'Guest').node.user.id;
    const created = await asOwner(
      'mutation($t: [ID!]!, $u: [ID!]) { createThread(input: { kind: TEAM, teammateIds: $t, userIds: $u, title: "Plans" }) { ... on CreateThreadPayload { thread { id } } } }',
      { t: [hired.data!.hireTeammate.id], u: [guestId] },
    );
    const thread = created.data!.createThread.thread.id;
    // A plain member may not remove others from a thread they did not create.
    const ownerId = members.data!.viewer.currentOrg.members.edges.find((e: Data) => e.node.user.displayName === 'Host').node.user.id;
    const refused = await a.gql<Data>(
      'mutation($id: ID!, $u: [ID!]) { updateThread(input: { threadId: $id, removeUserIds: $u }) { __typename } }',
      { id: thread, u: [ownerId] },
      { token: guest.token, headers: { 'x-tmates-org': org } },
    );
    expect(refused.data!.updateThread.__typename).toBe('ForbiddenError');
    const sub = await listen(b, () => collect(b.wsClient({ token: guest.token, org }), EVENTS, { id: thread }, messageEvents));
    await asOwner('mutation($id: ID!) { sendMessage(input: { threadId: $id, body: "welcome" }) { __typename } }', { id: thread });
    await sub.waitFor(1);
    const removed = await asOwner('mutation($id: ID!, $u: [ID!]) { updateThread(input: { threadId: $id, removeUserIds: $u }) { __typename ... on Error { message } } }', { id: thread, u: [guestId] });
    expect(removed.errors ?? removed.data).toEqual({ updateThread: { __typename: 'Thread' } });
    await sub.ended();
    expect(JSON.stringify(sub.errors)).toContain('no longer a member');
    await asOwner('mutation($id: ID!) { sendMessage(input: { threadId: $id, body: "after removal" }) { __typename } }', { id: thread });
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events.map((e: Data) => e.threadEvents.message?.body)).toEqual(['welcome']);
  });
});

describe('viewerEvents', () => {
  it('tells a person about new threads and new messages across their threads, flagging mentions', async () => {
    const owner = await signUpUser(a, 'Ada Lovelace');
    const colleague = await signUpUser(a, 'Charles');
    const org = (await gql(owner, 'mutation { createOrg(input: { name: "Engine" }) { ... on OrgPayload { org { id } } } }')).createOrg.org.id;
    const asOwner = (q: string, v: Data = {}) => a.gql<Data>(q, v, { token: owner.token, headers: { 'x-tmates-org': org } });
    const invite = await asOwner('mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }', { e: colleague.email });
    await gql(colleague, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.data!.inviteMember.token });
    const chat = (await asOwner('{ threads { edges { node { id isDefault } } } }')).data!.threads.edges.find((e: Data) => e.node.isDefault).node.id;

    const sub = await listen(b, () => collect(b.wsClient({ token: colleague.token, org }), `subscription { viewerEvents { __typename thread { id title } ... on MessageEvent { mentionsViewer message { body } } } }`));
    await asOwner('mutation($id: ID!) { sendMessage(input: { threadId: $id, body: "@Charles can you check the gears?" }) { __typename } }', { id: chat });
    await asOwner('mutation($id: ID!) { sendMessage(input: { threadId: $id, body: "no mention here" }) { __typename } }', { id: chat });
    const hired = await asOwner('mutation { hireTeammate(input: { catalogKey: "analyst" }) { ... on Teammate { id } } }');
    const members = await asOwner('{ viewer { currentOrg { members { edges { node { user { id displayName } } } } } } }');
    const charlesId = members.data!.viewer.currentOrg.members.edges.find((e: Data) => e.node.user.displayName === 'Charles').node.user.id;
    await asOwner(
      'mutation($t: [ID!]!, $u: [ID!]) { createThread(input: { kind: TEAM, teammateIds: $t, userIds: $u, title: "Numbers" }) { __typename } }',
      { t: [hired.data!.hireTeammate.id], u: [charlesId] },
    );
    const events = await sub.waitFor(4);
    expect(events.slice(0, 2).map((e: Data) => e.viewerEvents)).toEqual([
      { __typename: 'MessageEvent', thread: { id: chat, title: 'Team chat' }, mentionsViewer: true, message: { body: '@Charles can you check the gears?' } },
      { __typename: 'MessageEvent', thread: { id: chat, title: 'Team chat' }, mentionsViewer: false, message: { body: 'no mention here' } },
    ]);
    expect(events[2]!.viewerEvents.message.body).toMatch(/joined the chat$/);
    expect(events[3]!.viewerEvents).toEqual({ __typename: 'ThreadCreatedEvent', thread: expect.objectContaining({ title: 'Numbers' }) });
    sub.stop();
  });
});

describe('event relay', () => {
  it('reconnects after losing its database connection and replays what subscribers missed', async () => {
    const user = await signUpUser(a, 'Outage');
    const thread = await teamChatOf(user);
    const sub = await listen(a, () => collect(a.wsClient({ token: user.token }), EVENTS, { id: thread }, messageEvents));
    await gql(user, SEND, { id: thread, body: 'before the outage' }, b);
    await sub.waitFor(1);
    // Kill every listening connection (as a database restart would), then write while they are down.
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tmates-listener'`.execute(a.app.services.db);
    await gql(user, SEND, { id: thread, body: 'during the outage' }, b);
    await gql(user, SEND, { id: thread, body: 'after the outage' }, b);
    await sub.waitFor(3);
    await new Promise((r) => setTimeout(r, 300));
    expect(sub.events.map((e: Data) => e.threadEvents.message.body)).toEqual(['before the outage', 'during the outage', 'after the outage']);
    sub.stop();
  });
});
