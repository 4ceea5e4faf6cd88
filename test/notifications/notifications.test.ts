import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'kysely';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { send, THREAD_EVENTS, waitForRun } from '../helpers/agents.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { gqlAs, waitFor, type Data } from '../helpers/kit.ts';
import { browserKeys, startExpoStub, startPushService, startSmtpStub, type ExpoStub, type PushService, type SmtpStub } from '../helpers/notification-stubs.ts';
import { spawnTmates, type RunningProcess } from '../helpers/process.ts';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';

/**
 * Notifications end to end: the API runs in the test, the worker that sends them is a `tmates
 * worker` child process — it trusts the push service's self-signed certificate through
 * NODE_EXTRA_CA_CERTS (read at process start) and sees who watches a thread through the database.
 */
const COALESCE_SECONDS = 10;
const PUBLIC_URL = 'https://tmates.test';
const vapid = webpush.generateVAPIDKeys();
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-notify-'));

let db: TestDatabase;
let api: TestServer;
let worker: RunningProcess;
let fake: FakeOpenAI;
let pushService: PushService;
let expo: ExpoStub;
let smtp: SmtpStub;

beforeAll(async () => {
  [db, fake, pushService, expo, smtp] = await Promise.all([createTestDatabase(), startFakeOpenAI(), startPushService(), startExpoStub(), startSmtpStub()]);
  const env = {
    TMATES_HOME: home,
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'test-key',
    PUSH_ALLOW_PRIVATE_NETWORKS: 'true',
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ops@tmates.test',
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Tmates <tmates@tmates.test>',
    EXPO_PUSH_URL: expo.url,
    EXPO_ACCESS_TOKEN: 'expo-secret',
    NOTIFY_COALESCE_SECONDS: String(COALESCE_SECONDS),
    PUBLIC_URL,
  };
  api = await startTestServer({ databaseUrl: db.url, worker: false, env });
  worker = spawnTmates(['worker'], { ...env, DATABASE_URL: db.url, TMATES_SECRET: TEST_SECRET, NODE_EXTRA_CA_CERTS: pushService.caFile, LOG_LEVEL: 'info' });
  await worker.waitFor(/worker started/);
}, 120_000);

afterAll(async () => {
  if (worker && worker.child.exitCode === null) worker.child.kill('SIGTERM');
  await worker?.exited;
  await api?.stop();
  await db?.drop();
  await Promise.all([fake?.close(), pushService?.close(), expo?.close(), smtp?.close()]);
  rmSync(home, { recursive: true, force: true });
});

const rawId = (globalId: string) => decodeGlobalID(globalId).id;
const gql = (user: TestUser, query: string, variables: Data = {}, org?: string) => gqlAs(api, user, query, variables, org);

const NOTIFICATION = 'id kind title body count url createdAt readAt thread { id } goal { id } approval { id }';
const NOTIFICATIONS = `query($unreadOnly: Boolean, $first: Int, $after: String) {
  notifications(unreadOnly: $unreadOnly, first: $first, after: $after) { unreadCount edges { cursor node { ${NOTIFICATION} } } pageInfo { hasNextPage endCursor } }
}`;
const MARK_READ = `mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) {
  __typename ... on MarkNotificationsReadPayload { unreadCount notifications { id readAt } } ... on Error { message } } }`;
const SETTINGS = `mutation($n: NotificationSettingsInput!) { updateSettings(input: { user: { notifications: $n } }) { __typename } }`;
const ADD_WEB = `mutation($input: AddWebPushSubscriptionInput!) { addWebPushSubscription(input: $input) { __typename ... on PushTarget { id } ... on Error { message } } }`;
const ADD_MOBILE = `mutation($input: AddMobilePushTokenInput!) { addMobilePushToken(input: $input) { __typename ... on PushTarget { id } ... on Error { message } } }`;

async function notificationsOf(user: TestUser, org: string, variables: Data = {}): Promise<Data> {
  return (await gql(user, NOTIFICATIONS, variables, org)).notifications;
}

/** Waits until every notifications__send job but the end-of-window flushes has run (nothing pending, nothing failed). */
async function notificationJobsDone(): Promise<void> {
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'notifications__send' and j.payload->>'source' <> 'flush'`.execute(api.app.services.db);
    return rows[0]!.n === 0;
  }, 'notification jobs to finish', 30_000);
}

interface Team {
  owner: TestUser;
  member: TestUser;
  orgId: string;
  threadId: string;
}

/** A team organisation of two people (the invitation mailed and accepted), with a team thread of only those two. */
async function teamOfTwo(ownerName: string, memberName: string): Promise<Team & { mail: Data }> {
  const owner = await signUpUser(api, ownerName);
  const member = await signUpUser(api, memberName);
  const created = await gql(owner, `mutation($n: String!) { createOrg(input: { name: $n }) { ... on OrgPayload { org { id } } } }`, { n: `${ownerName} Co` });
  const orgId = created.createOrg.org.id;
  const invite = (
    await gql(owner, `mutation($e: String!) { inviteMember(input: { email: $e }) { __typename ... on InviteMemberPayload { token emailed } } }`, { e: member.email }, orgId)
  ).inviteMember;
  expect(invite).toMatchObject({ __typename: 'InviteMemberPayload', emailed: true });
  const mail = await waitFor(() => smtp.mails.find((m) => m.to.includes(member.email)), 'the invitation mail');
  const link = /https:\/\/tmates\.test\/invitations\/(\S+)/.exec(mail.text);
  expect(link, mail.text).not.toBeNull();
  const token = decodeURIComponent(link![1]!);
  expect(token).toBe(invite.token);
  const accepted = await gql(member, `mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename ... on OrgPayload { org { id } } ... on Error { message } } }`, { t: token });
  expect(accepted.acceptInvitation).toMatchObject({ __typename: 'OrgPayload', org: { id: orgId } });
  const thread = await gql(
    owner,
    `mutation($u: [ID!]) { createThread(input: { kind: TEAM, teammateIds: [], userIds: $u, title: "Plans" }) { ... on CreateThreadPayload { thread { id } } ... on Error { message } } }`,
    { u: [member.userId] },
    orgId,
  );
  return { owner, member, orgId, threadId: thread.createThread.thread.id, mail };
}

async function say(user: TestUser, threadId: string, body: string, org: string): Promise<void> {
  const result = await gql(user, `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on Error { message } } }`, { input: { threadId, body } }, org);
  expect(result.sendMessage.__typename).toBe('SendMessagePayload');
}

describe('notifications', () => {
  let team: Team;
  let keys: ReturnType<typeof browserKeys>;
  const endpointPath = '/push/member-browser';

  beforeAll(async () => {
    team = await teamOfTwo('Olga', 'Milo');
    keys = browserKeys();
    const web = await gql(team.member, ADD_WEB, { input: { endpoint: `${pushService.origin}${endpointPath}`, p256dh: keys.p256dh, auth: keys.auth } });
    expect(web.addWebPushSubscription.__typename).toBe('PushTarget');
    const mobile = await gql(team.member, ADD_MOBILE, { input: { token: 'ExponentPushToken[milo-phone]', platform: 'IOS' } });
    expect(mobile.addMobilePushToken.__typename).toBe('PushTarget');
  }, 60_000);

  it('mails an invitation with a link that accepts it', () => {
    const mail = smtp.mails.find((m) => m.to.includes(team.member.email))!;
    expect(mail.subject).toContain('invited you to Olga Co');
    expect(mail.from).toBe('tmates@tmates.test');
  });

  it('pushes a new team message to the other person (web push with VAPID and aes128gcm, Expo), not to its author, and lists it', async () => {
    const events = collect<Data>(api.wsClient({ token: team.member.token, org: team.orgId }), `subscription { viewerEvents { __typename ... on NotificationEvent { notification { id count kind } } } }`);
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from live_sessions where user_id = ${rawId(team.member.userId)} and thread_id is null`.execute(api.app.services.db);
      return rows[0]!.n > 0;
    }, 'viewerEvents to be live');
    await say(team.owner, team.threadId, 'Lunch at noon? @Milo', team.orgId);

    const push = await waitFor(() => pushService.requests.find((r) => r.path === endpointPath), 'the web push');
    expect(push.headers.authorization).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${vapid.publicKey}$`));
    const jwt = JSON.parse(Buffer.from(String(push.headers.authorization).split(/t=|,/)[1]!.split('.')[1]!, 'base64url').toString());
    expect(jwt).toMatchObject({ aud: pushService.origin, sub: 'mailto:ops@tmates.test' });
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(Number(push.headers.ttl)).toBeGreaterThan(0);
    const shown = keys.decrypt(push.body);
    expect(shown).toMatchObject({ kind: 'MENTION', title: 'Olga mentioned you in Plans', body: 'Lunch at noon? @Milo', count: 1, url: `/threads/${team.threadId}`, orgId: team.orgId });

    const phone = await waitFor(() => expo.messages.find((m) => m.to === 'ExponentPushToken[milo-phone]'), 'the Expo push');
    expect(phone).toMatchObject({ title: 'Olga mentioned you in Plans', body: 'Lunch at noon? @Milo', authorization: 'Bearer expo-secret', data: { url: `/threads/${team.threadId}` } });

    const listed = await notificationsOf(team.member, team.orgId);
    expect(listed.unreadCount).toBe(1);
    expect(listed.edges[0].node).toMatchObject({ id: shown.notificationId, kind: 'MENTION', count: 1, thread: { id: team.threadId }, readAt: null });
    const event = await events.until((e) => e.viewerEvents.__typename === 'NotificationEvent', 'the NotificationEvent');
    expect(event.viewerEvents.notification).toMatchObject({ id: shown.notificationId, kind: 'MENTION', count: 1 });
    events.stop();

    await notificationJobsDone();
    expect((await notificationsOf(team.owner, team.orgId)).edges).toEqual([]); // none for one's own message
    expect(smtp.mails.filter((m) => m.to.includes(team.member.email))).toHaveLength(1); // has push targets: no mail (only the invitation)
  });

  it('coalesces messages of a thread: one push per window, saying how many are waiting', async () => {
    await gql(team.member, MARK_READ, { input: { all: true } }, team.orgId);
    const pushes = () => pushService.requests.filter((r) => r.path === endpointPath);
    const before = pushes().length;
    await say(team.owner, team.threadId, 'First thought', team.orgId);
    await say(team.owner, team.threadId, 'Second thought', team.orgId);
    await say(team.owner, team.threadId, 'Or one pm', team.orgId);
    await notificationJobsDone();
    const listed = await notificationsOf(team.member, team.orgId, { unreadOnly: true });
    expect(listed.edges).toHaveLength(1);
    expect(listed.edges[0].node).toMatchObject({ count: 3, title: '3 new messages in Plans', body: 'Olga: Or one pm', kind: 'TEAM_MESSAGE' });
    // The first message was pushed at once; the next two wait for the end of the window, then one push says there are 3.
    expect(keys.decrypt(pushes()[before]!.body)).toMatchObject({ count: 1, title: 'Olga in Plans', body: 'First thought' });
    await waitFor(() => pushes().length > before + 1, 'the end-of-window push', (COALESCE_SECONDS + 20) * 1000);
    expect(pushes()).toHaveLength(before + 2);
    expect(keys.decrypt(pushes().at(-1)!.body)).toMatchObject({ count: 3, title: '3 new messages in Plans', body: 'Olga: Or one pm' });
  }, 60_000);

  it('marks notifications read (by id, all), filters unread ones, and a new message then starts a new notification', async () => {
    const first = (await notificationsOf(team.member, team.orgId)).edges[0].node;
    const marked = (await gql(team.member, MARK_READ, { input: { ids: [first.id] } }, team.orgId)).markNotificationsRead;
    expect(marked).toMatchObject({ __typename: 'MarkNotificationsReadPayload', unreadCount: 0, notifications: [{ id: first.id }] });
    expect(marked.notifications[0].readAt).not.toBeNull();
    expect((await notificationsOf(team.member, team.orgId, { unreadOnly: true })).edges).toEqual([]);

    await say(team.owner, team.threadId, 'Booked it', team.orgId);
    await notificationJobsDone();
    const now = await notificationsOf(team.member, team.orgId);
    expect(now.edges.map((e: Data) => e.node.count)).toEqual([1, 3, 1]); // newest first
    expect(now.edges[0].node).toMatchObject({ kind: 'TEAM_MESSAGE', title: 'Olga in Plans', readAt: null });
    expect(now.unreadCount).toBe(1);
    const page = await notificationsOf(team.member, team.orgId, { first: 1 });
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect((await notificationsOf(team.member, team.orgId, { first: 1, after: page.pageInfo.endCursor })).edges[0].node.id).toBe(first.id);

    const all = (await gql(team.member, MARK_READ, { input: { all: true } }, team.orgId)).markNotificationsRead;
    expect(all).toMatchObject({ unreadCount: 0, notifications: [{ id: now.edges[0].node.id }] });
    const neither = (await gql(team.member, MARK_READ, { input: {} }, team.orgId)).markNotificationsRead;
    expect(neither.__typename).toBe('ValidationError');
  });

  it('keeps notifications to their person: another sees none and cannot mark them read', async () => {
    const mine = (await notificationsOf(team.member, team.orgId)).edges[0].node;
    expect((await notificationsOf(team.owner, team.orgId)).edges).toEqual([]);
    expect((await gql(team.owner, `query($id: ID!) { node(id: $id) { id } }`, { id: mine.id }, team.orgId)).node).toBeNull();
    const refused = (await gql(team.owner, MARK_READ, { input: { ids: [mine.id] } }, team.orgId)).markNotificationsRead;
    expect(refused.__typename).toBe('NotFoundError');
    const stranger = await signUpUser(api, 'Stranger');
    expect((await notificationsOf(stranger, stranger.orgId)).edges).toEqual([]);
    expect((await gql(stranger, MARK_READ, { input: { ids: [mine.id] } })).markNotificationsRead.__typename).toBe('NotFoundError');
  });

  it('sends nothing while the person watches the thread, across processes', async () => {
    const watch = collect<Data>(api.wsClient({ token: team.member.token, org: team.orgId }), THREAD_EVENTS, { id: team.threadId });
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from live_sessions where user_id = ${rawId(team.member.userId)} and thread_id is not null`.execute(api.app.services.db);
      return rows[0]!.n > 0;
    }, 'the watcher to be recorded');
    const before = (await notificationsOf(team.member, team.orgId)).edges.length;
    const pushes = pushService.requests.length;
    await say(team.owner, team.threadId, 'Are you reading this?', team.orgId);
    await watch.until((e) => e.threadEvents.__typename === 'MessageEvent' && e.threadEvents.message.body === 'Are you reading this?', 'the message');
    await notificationJobsDone();
    expect((await notificationsOf(team.member, team.orgId)).edges).toHaveLength(before);
    expect(pushService.requests.length).toBe(pushes);
    watch.stop();
  });
});

describe('notification settings', () => {
  it('follows each toggle: team messages, mentions, direct messages, and the master switch', async () => {
    const { owner, member, orgId, threadId } = await teamOfTwo('Tess', 'Toby');
    const count = async () => (await notificationsOf(member, orgId)).edges.length;
    const markAll = () => gql(member, MARK_READ, { input: { all: true } }, orgId);

    await gql(member, SETTINGS, { n: { teamMessages: false } });
    await say(owner, threadId, 'Plain team message', orgId);
    await notificationJobsDone();
    expect(await count()).toBe(0);
    await say(owner, threadId, 'Hey @Toby, look', orgId);
    await notificationJobsDone();
    expect((await notificationsOf(member, orgId)).edges.map((e: Data) => e.node.kind)).toEqual(['MENTION']);
    await markAll();

    await gql(member, SETTINGS, { n: { mentions: false } });
    await say(owner, threadId, 'Again @Toby', orgId);
    await notificationJobsDone();
    expect(await count()).toBe(1);

    await gql(member, SETTINGS, { n: { teamMessages: true } });
    await say(owner, threadId, 'Now @Toby hears as a team message', orgId);
    await notificationJobsDone();
    expect((await notificationsOf(member, orgId, { unreadOnly: true })).edges.map((e: Data) => e.node.kind)).toEqual(['TEAM_MESSAGE']);
    await markAll();

    await gql(member, SETTINGS, { n: { enabled: false } });
    await gql(member, SETTINGS, { n: { teamMessages: true, mentions: true } }); // switched on again, but the master switch is off
    await say(owner, threadId, 'Nobody home @Toby', orgId);
    await notificationJobsDone();
    expect((await notificationsOf(member, orgId, { unreadOnly: true })).edges).toEqual([]);
  });

  it("notifies a teammate's reply in a direct thread unless direct messages are off; mails people with no push target who are offline", async () => {
    const person = await signUpUser(api, 'Dina');
    const { threads } = await gql(person, '{ threads { edges { node { id kind } } } }');
    const direct = threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node.id;

    fake.enqueue({ kind: 'text', chunks: ['Here is the summary', ' you asked for.'] });
    await send(api, person, direct, 'Summarise please');
    const mail = await waitFor(() => smtp.mails.find((m) => m.to.includes(person.email)), 'the notification mail', 30_000);
    expect(mail.subject).toBe('Noor');
    expect(mail.text).toContain('Here is the summary you asked for.');
    expect(mail.text).toContain(`${PUBLIC_URL}/threads/${direct}`);
    await notificationJobsDone();
    const listed = (await notificationsOf(person, person.orgId)).edges.map((e: Data) => e.node);
    expect(listed).toMatchObject([{ kind: 'DIRECT_MESSAGE', title: 'Noor', count: 1 }]); // not for their own message

    await gql(person, MARK_READ, { input: { all: true } });
    await gql(person, SETTINGS, { n: { directMessages: false } });
    fake.enqueue({ kind: 'text', chunks: ['Another answer.'] });
    const sent = await send(api, person, direct, 'And again');
    expect((await waitForRun(api, person, sent.runs[0].id, undefined, 30_000)).status).toBe('SUCCEEDED');
    await notificationJobsDone();
    expect((await notificationsOf(person, person.orgId, { unreadOnly: true })).edges).toEqual([]);
  });
});

describe('dead targets', () => {
  it('removes a web push target answered 410 and an Expo token answered DeviceNotRegistered', async () => {
    const { owner, member, orgId, threadId } = await teamOfTwo('Vera', 'Walt');
    const keys = browserKeys();
    pushService.answer('/push/gone', 410);
    await gql(member, ADD_WEB, { input: { endpoint: `${pushService.origin}/push/gone`, p256dh: keys.p256dh, auth: keys.auth } });
    await gql(member, ADD_MOBILE, { input: { token: 'ExponentPushToken[Dead-phone]', platform: 'ANDROID' } });
    await gql(member, ADD_MOBILE, { input: { token: 'ExponentPushToken[live-phone]', platform: 'ANDROID' } });
    await say(owner, threadId, 'Anyone there?', orgId);
    await waitFor(() => pushService.requests.some((r) => r.path === '/push/gone'), 'the push to the dead endpoint');
    const left = await waitFor(async () => {
      const targets = (await gql(member, '{ pushTargets { kind endpoint } }')).pushTargets as Data[];
      return targets.length === 1 && targets;
    }, 'the dead targets to be removed');
    expect(left).toEqual([{ kind: 'MOBILE', endpoint: null }]);
    expect(expo.messages.some((m) => m.to === 'ExponentPushToken[live-phone]')).toBe(true);
    await notificationJobsDone(); // nothing left failing or retrying
  });
});

describe('tool approvals', () => {
  it('tells the people of the thread that a tool call waits for their approval (mailed to one with no push target)', async () => {
    const person = await signUpUser(api, 'Ayla');
    const policy = await gql(person, `mutation($input: SetToolPolicyInput!) { setToolPolicy(input: $input) { __typename } }`, { input: { tool: 'remember', policy: 'ASK' } });
    expect(policy.setToolPolicy.__typename).toBe('ToolPolicySetting');
    const { threads } = await gql(person, '{ threads { edges { node { id kind } } } }');
    const direct = threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node.id;
    fake.enqueue({ kind: 'tools', calls: [{ name: 'remember', arguments: JSON.stringify({ content: 'Launch on Friday' }) }] });
    const sent = await send(api, person, direct, 'Remember the launch date');
    await waitForRun(api, person, sent.runs[0].id, ['WAITING_FOR_APPROVAL'], 30_000);
    const mail = await waitFor(() => smtp.mails.find((m) => m.to.includes(person.email)), 'the approval mail', 30_000);
    expect(mail.subject).toBe('Noor waits for your approval');
    await notificationJobsDone();
    const listed = (await notificationsOf(person, person.orgId)).edges.map((e: Data) => e.node);
    // The reply waiting for approval is not final: only the approval notifies.
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ kind: 'TOOL_APPROVAL', title: 'Noor waits for your approval', body: 'To use remember in Noor.', approval: { id: expect.any(String) }, thread: { id: direct } });
  });
});

describe('goals', () => {
  it('tells the person who asked for a goal that it succeeded, linking to the goal', async () => {
    const person = await signUpUser(api, 'Gus');
    const ids: Record<string, string> = {};
    for (const key of ['coordinator', 'researcher']) {
      ids[key] = (await gql(person, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key })).hireTeammate.id;
    }
    const thread = (
      await gql(person, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Launch" }) { ... on CreateThreadPayload { thread { id } } } }', {
        t: [ids.coordinator, ids.researcher],
      })
    ).createThread.thread.id;
    fake.enqueue(
      {
        kind: 'text',
        when: 'Plan it as a short list',
        chunks: [JSON.stringify({ summary: 'One task.', tasks: [{ title: 'Research rivals', assignee: 'researcher', instructions: 'Do it', done_when: 'posted', depends_on: [] }] })],
      },
      { kind: 'text', when: 'Research rivals', chunks: ['Rivals charge $20.'] },
      { kind: 'text', when: '[Goal report]', chunks: ['We launch at $18.'] },
    );
    const goal = (
      await gql(person, `mutation($input: CreateGoalInput!) { createGoal(input: $input) { __typename ... on Goal { id } } }`, {
        input: { threadId: thread, instruction: 'Price the launch', coordinatorId: ids.coordinator },
      })
    ).createGoal;
    expect(goal.__typename).toBe('Goal');
    const done = await waitFor(async () => {
      const listed = (await notificationsOf(person, person.orgId)).edges.map((e: Data) => e.node);
      return listed.find((n: Data) => n.kind === 'GOAL_SUCCEEDED');
    }, 'the goal notification', 60_000);
    expect(done).toMatchObject({ title: 'Goal done: Price the launch', body: 'We launch at $18.', goal: { id: goal.id }, thread: { id: thread }, url: `/goals/${goal.id}` });
  }, 90_000);
});
