import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { subscriptionExecutions } from '../../src/server/shared-execution.ts';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { useTestServer, type TestServer } from '../helpers/server.ts';
import { collect, messageEvents, type Collected } from '../helpers/subscriptions.ts';
import { gqlAs, waitFor, type Data } from '../helpers/kit.ts';

/**
 * One execution per event for subscribers whose results cannot differ (src/server/shared-execution.ts):
 * shared where it is safe, and never across viewers when the result depends on who asks.
 */
let server: TestServer;
useTestServer({}, (s) => (server = s));

const POSTS = `subscription { viewerEvents { __typename ... on PinboardPostEvent { change post { title viewerCanEdit viewerCanDelete } } } }`;
const CREATE_POST = `mutation($title: String!) { createPinboardPost(input: { title: $title, body: "Numbers inside." }) { __typename ... on Error { message } } }`;
const THREAD_EVENTS = `subscription($id: ID!, $after: String) { threadEvents(threadId: $id, after: $after) { __typename cursor ... on MessageEvent { mentionsViewer message { seq body } } } }`;
const SEND = `mutation($id: ID!, $body: String!) { sendMessage(input: { threadId: $id, body: $body }) { __typename } }`;

/** An owner and a member of the owner's organisation. */
async function team(): Promise<{ owner: TestUser; member: TestUser; org: string }> {
  const owner = await signUpUser(server, 'Olive');
  const member = await signUpUser(server, 'Mona');
  const created = await gqlAs(server, owner, 'mutation { createOrg(input: { name: "Numbers" }) { ... on OrgPayload { org { id } } } }');
  const org = created.createOrg.org.id as string;
  const invite = await gqlAs(server, owner, 'mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }', { e: member.email }, org);
  await gqlAs(server, member, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.inviteMember.token });
  return { owner, member, org };
}

/** Subscribes over graphql-ws as `user` in `org` (one socket per subscription). */
function listen(user: TestUser, org: string, query: string, variables: Data = {}, keep?: (e: Data) => boolean): Collected<Data> {
  return collect<Data>(server.wsClient({ token: user.token, org }), query, variables, keep);
}

/**
 * Returns once every subscription receives events: sends warm-up events (`send(label)`) until one
 * reached them all, then forgets what they received. Each try waits up to 5 s (a ceiling).
 */
async function allLive(subs: Array<{ received: () => string[] }>, send: (label: string) => Promise<unknown>, forget: () => void): Promise<void> {
  for (let i = 0; ; i += 1) {
    const label = `warm-up ${i}`;
    await send(label);
    const live = await waitFor(() => subs.every((s) => s.received().includes(label)), 'every subscription to be live', 5_000).then(() => true, () => false);
    if (live) break;
    if (i === 5) throw new Error('subscriptions did not start');
  }
  forget();
}

const postTitles = (sub: Collected<Data>) => sub.events.filter((e) => e.viewerEvents.__typename === 'PinboardPostEvent').map((e) => e.viewerEvents.post.title);

describe('shared execution of subscription events', () => {
  it('gives two viewers with different rights different payloads from one event, and shares among equal ones', async () => {
    const { owner, member, org } = await team();
    const ownerTab1 = listen(owner, org, POSTS);
    const ownerTab2 = listen(owner, org, POSTS);
    const memberTab = listen(member, org, POSTS);
    const tabs = [ownerTab1, ownerTab2, memberTab];
    await allLive(
      tabs.map((tab) => ({ received: () => postTitles(tab) })),
      (title) => gqlAs(server, owner, CREATE_POST, { title }, org),
      () => tabs.forEach((tab) => (tab.events.length = 0)),
    );
    const executed = subscriptionExecutions.count;

    await gqlAs(server, owner, CREATE_POST, { title: 'Quarterly numbers' }, org);
    const ownerSees = await ownerTab1.until((e) => e.viewerEvents.post?.title === 'Quarterly numbers');
    const memberSees = await memberTab.until((e) => e.viewerEvents.post?.title === 'Quarterly numbers');
    await ownerTab2.until((e) => e.viewerEvents.post?.title === 'Quarterly numbers');

    // The owner manages the organisation; the member neither wrote the post nor manages anything.
    expect(ownerSees.viewerEvents.post).toMatchObject({ viewerCanEdit: true, viewerCanDelete: true });
    expect(memberSees.viewerEvents.post).toMatchObject({ viewerCanEdit: false, viewerCanDelete: false });
    expect(ownerTab2.events.at(-1)!.viewerEvents.post).toMatchObject({ viewerCanEdit: true, viewerCanDelete: true });
    // The fields read the viewer: one execution for the owner's two subscriptions, one for the member's.
    expect(subscriptionExecutions.count - executed).toBe(2);

    // Each subscription receives each event once; a stopped one receives nothing more.
    ownerTab2.stop();
    await gqlAs(server, member, CREATE_POST, { title: 'Second post' }, org);
    await ownerTab1.until((e) => e.viewerEvents.post?.title === 'Second post');
    await memberTab.until((e) => e.viewerEvents.post?.title === 'Second post');
    expect(postTitles(ownerTab1)).toEqual(['Quarterly numbers', 'Second post']);
    expect(postTitles(memberTab)).toEqual(['Quarterly numbers', 'Second post']);
    expect(postTitles(ownerTab2)).toEqual(['Quarterly numbers']);
    // Her own post: the member may edit and delete it.
    expect(memberTab.events.at(-1)!.viewerEvents.post).toMatchObject({ viewerCanEdit: true, viewerCanDelete: true });
    ownerTab1.stop();
    memberTab.stop();
  });

  it('shares one execution among many subscribers of a thread, and keeps mentionsViewer per subscriber', async () => {
    const { owner, member, org } = await team();
    const { threads } = await gqlAs(server, owner, '{ threads { edges { node { id isDefault } } } }', {}, org);
    const thread = threads.edges.find((e: Data) => e.node.isDefault).node.id as string;
    const owners = Array.from({ length: 5 }, () => listen(owner, org, THREAD_EVENTS, { id: thread }, messageEvents));
    const members = Array.from({ length: 2 }, () => listen(member, org, THREAD_EVENTS, { id: thread }, messageEvents));
    const everyone = [...owners, ...members];
    await allLive(
      everyone.map((sub) => ({ received: () => sub.events.map((e) => e.threadEvents.message.body as string) })),
      (body) => gqlAs(server, owner, SEND, { id: thread, body }, org),
      () => everyone.forEach((sub) => (sub.events.length = 0)),
    );
    const executed = subscriptionExecutions.count;

    await gqlAs(server, owner, SEND, { id: thread, body: 'Over to you, @Mona' }, org);
    for (const sub of [...owners, ...members]) await sub.waitFor(1);
    for (const sub of owners) expect(sub.events[0]!.threadEvents).toMatchObject({ mentionsViewer: false, message: { body: 'Over to you, @Mona' } });
    for (const sub of members) expect(sub.events[0]!.threadEvents).toMatchObject({ mentionsViewer: true, message: { body: 'Over to you, @Mona' } });
    // Nothing here reads the viewer: one execution per distinct payload (mentioned or not), not per
    // subscriber. Each subscription holds the thread as it read it when it started, so subscriptions
    // that started at different moments of the warm-up make further distinct payloads (as many as
    // there were moments); fewer executions than subscribers shows they are shared.
    const executions = subscriptionExecutions.count - executed;
    expect(executions).toBeGreaterThanOrEqual(2);
    expect(executions).toBeLessThan(everyone.length);

    // Resuming from a cursor still replays what was missed, then continues live.
    const cursor = owners[0]!.events[0]!.threadEvents.cursor as string;
    await gqlAs(server, owner, SEND, { id: thread, body: 'second' }, org);
    await owners[0]!.waitFor(2);
    const resumed = listen(owner, org, THREAD_EVENTS, { id: thread, after: cursor }, messageEvents);
    await resumed.waitFor(1);
    expect(resumed.events[0]!.threadEvents.message.body).toBe('second');
    await gqlAs(server, owner, SEND, { id: thread, body: 'third' }, org);
    await resumed.until((e) => e.threadEvents.message.body === 'third');
    await owners[4]!.until((e) => e.threadEvents.message.body === 'third');
    expect(resumed.events.map((e) => e.threadEvents.message.body)).toEqual(['second', 'third']);
    for (const sub of owners) expect(sub.events.map((e) => e.threadEvents.message.body)).toEqual(['Over to you, @Mona', 'second', 'third']);
    for (const sub of [...owners, ...members, resumed]) sub.stop();
  });

  it('writes the shared payload as a well-formed graphql-ws next message with each subscription id', async () => {
    const { owner, org } = await team();
    const { threads } = await gqlAs(server, owner, '{ threads { edges { node { id isDefault } } } }', {}, org);
    const thread = threads.edges.find((e: Data) => e.node.isDefault).node.id as string;
    const frames: Data[] = [];
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Data));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { token: owner.token, org } }));
    await waitFor(() => frames.some((f) => f.type === 'connection_ack'));
    for (const id of ['a', 'b"quoted"']) socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: THREAD_EVENTS, variables: { id: thread } } }));
    const bodiesFor = (id: string) => frames.filter((f) => f.type === 'next' && f.id === id).map((f) => f.payload.data.threadEvents.message?.body as string);
    await allLive(
      ['a', 'b"quoted"'].map((id) => ({ received: () => bodiesFor(id) })),
      (body) => gqlAs(server, owner, SEND, { id: thread, body }, org),
      () => (frames.length = 0),
    );
    const before = server.app.services.bus.listenerCount();
    await gqlAs(server, owner, SEND, { id: thread, body: 'framed' }, org);
    await waitFor(() => frames.filter((f) => f.type === 'next').length >= 2, 'two next messages');
    const next = frames.filter((f) => f.type === 'next');
    expect(next.map((f) => f.id).sort()).toEqual(['a', 'b"quoted"']);
    for (const f of next) expect(f.payload).toMatchObject({ data: { threadEvents: { __typename: 'MessageEvent', message: { body: 'framed' } } } });
    // Completing one subscription: the server acknowledges nothing and sends it nothing more.
    socket.send(JSON.stringify({ id: 'a', type: 'complete' }));
    await waitFor(() => server.app.services.bus.listenerCount() < before, 'the subscription to end');
    await gqlAs(server, owner, SEND, { id: thread, body: 'after complete' }, org);
    await waitFor(() => frames.filter((f) => f.type === 'next').length >= 3, 'one more next message');
    expect(frames.filter((f) => f.type === 'next').slice(2).map((f) => f.id)).toEqual(['b"quoted"']);
    socket.close();
  });
});
