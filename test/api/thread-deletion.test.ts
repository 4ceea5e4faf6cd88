import { decodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { directThreadOf, send, useServerWithFakeModel, waitForRun, watchThread } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import type { TestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';
import { gqlAs, waitFor, type Data } from '../helpers/kit.ts';

const model = useServerWithFakeModel();
let fake: FakeOpenAI;
let server: TestServer;
beforeAll(() => {
  ({ fake, server } = model);
});


const DELETE = `mutation($id: ID!) {
  deleteThread(input: { threadId: $id }) {
    __typename
    ... on DeleteThreadPayload { deletedThreadId }
    ... on Error { errorMessage: message }
  }
}`;

const raw = (globalId: string) => decodeGlobalID(globalId).id;

/** Rows that belong to a thread, by table. */
async function rowsOf(threadId: string): Promise<Record<string, number>> {
  const { db } = server.app.services;
  const id = raw(threadId);
  const count = async (table: string) =>
    Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)} where thread_id = ${id}`.execute(db)).rows[0]!.n);
  const [threads, messages, runs, goals, schedules, members] = await Promise.all([
    sql<{ n: string }>`select count(*) as n from threads where id = ${id}`.execute(db).then((r) => Number(r.rows[0]!.n)),
    count('messages'),
    count('runs'),
    count('goals'),
    count('schedules'),
    count('thread_members'),
  ]);
  return { threads, messages, runs, goals, schedules, members };
}

async function listen(user: TestUser, query: string, variables: Data = {}) {
  const before = server.app.services.bus.listenerCount();
  const sub = collect<Data>(server.wsClient({ token: user.token }), query, variables);
  await waitFor(() => server.app.services.bus.listenerCount() > before || sub.errors.length > 0);
  return sub;
}

describe('deleteThread', () => {
  it('stops the answer being written, ends live subscriptions, tells the members and leaves no rows — usage stays', async () => {
    const user = await signUpUser(server, 'Deleter');
    const thread = await directThreadOf(server, user);
    const watching = await watchThread(server, user, thread);
    const viewer = await listen(user, 'subscription { viewerEvents { __typename thread { id } ... on ThreadDeletedEvent { threadId } } }');
    fake.enqueue({ kind: 'endless', intervalMs: 30 });
    const aborted = fake.abortedStreams;
    const sent = await send(server, user, thread, 'Write me something long.');
    await waitForRun(server, user, sent.runs[0].id, ['RUNNING']);
    const usage = async () => (await sql<{ n: string }>`select count(*) as n from usage_events where org_id = ${raw(user.orgId)}`.execute(server.app.services.db)).rows[0]!.n;
    const usageBefore = await usage();
    expect(Number(usageBefore)).toBeGreaterThan(0);
    expect((await rowsOf(thread)).runs).toBe(1);

    expect((await gqlAs(server, user, DELETE, { id: thread })).deleteThread).toEqual({ __typename: 'DeleteThreadPayload', deletedThreadId: thread });
    await waitFor(() => fake.abortedStreams > aborted); // the model call was aborted
    await watching.ended();
    expect(JSON.stringify(watching.errors)).toContain('This thread was deleted');
    const deleted = await waitFor(() => viewer.events.some((e) => e.viewerEvents.__typename === 'ThreadDeletedEvent')).then(() =>
      viewer.events.map((e) => e.viewerEvents).find((e) => e.__typename === 'ThreadDeletedEvent'),
    );
    expect(deleted).toEqual({ __typename: 'ThreadDeletedEvent', thread: null, threadId: thread });

    expect(await rowsOf(thread)).toEqual({ threads: 0, messages: 0, runs: 0, goals: 0, schedules: 0, members: 0 });
    expect(await usage()).toBe(usageBefore); // what was spent stays on the organisation's account
    const { threads } = await gqlAs(server, user, '{ threads { edges { node { id } } } }');
    expect(threads.edges.map((e: Data) => e.node.id)).not.toContain(thread);
    expect((await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { id } }', { id: thread })).node).toBeNull();
    const again = await gqlAs(server, user, 'mutation($id: ID!) { sendMessage(input: { threadId: $id, body: "hello?" }) { __typename } }', { id: thread });
    expect(again.sendMessage.__typename).toBe('NotFoundError');
    // The worker is idle again: nothing of that run is left running anywhere.
    await waitFor(() => server.app.agents.activeRunIds.length === 0);
    viewer.stop();
  });

  it('takes a team thread’s goals and schedules with it; only its creator or an admin may, and never the team chat', async () => {
    const owner = await signUpUser(server, 'Creator');
    const writer = (await gqlAs(server, owner, 'mutation { hireTeammate(input: { catalogKey: "writer" }) { ... on Teammate { id } } }')).hireTeammate.id;
    const { createThread } = await gqlAs(server, owner, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Plans" }) { ... on CreateThreadPayload { thread { id } } } }', { t: [writer] });
    const thread = createThread.thread.id;
    fake.enqueue({ kind: 'endless', intervalMs: 30 }); // the coordinator is still planning when the thread goes
    const goal = (await gqlAs(server, owner, 'mutation($id: ID!) { createGoal(input: { threadId: $id, instruction: "Draft the newsletter" }) { ... on Goal { id } } }', { id: thread })).createGoal;
    await gqlAs(server, owner, 'mutation($id: ID!) { scheduleGoal(input: { threadId: $id, instruction: "Weekly digest", cron: "0 9 * * 1", timezone: "UTC" }) { __typename } }', { id: thread });
    expect(await rowsOf(thread)).toMatchObject({ threads: 1, goals: 1, schedules: 1 });

    const stranger = await signUpUser(server, 'Stranger');
    expect((await gqlAs(server, stranger, DELETE, { id: thread })).deleteThread.__typename).toBe('NotFoundError');
    const { threads } = await gqlAs(server, owner, '{ threads { edges { node { id isDefault } } } }');
    const teamChat = threads.edges.find((e: Data) => e.node.isDefault).node.id;
    expect((await gqlAs(server, owner, DELETE, { id: teamChat })).deleteThread).toMatchObject({ __typename: 'ForbiddenError', errorMessage: expect.stringContaining('team chat cannot be deleted') });
    expect((await rowsOf(teamChat)).threads).toBe(1);

    expect((await gqlAs(server, owner, DELETE, { id: thread })).deleteThread.__typename).toBe('DeleteThreadPayload');
    expect(await rowsOf(thread)).toEqual({ threads: 0, messages: 0, runs: 0, goals: 0, schedules: 0, members: 0 });
    expect((await gqlAs(server, owner, 'query($id: ID!) { goal(id: $id) { id } }', { id: goal.id })).goal).toBeNull();
    await waitFor(() => server.app.agents.activeRunIds.length === 0);
  });

  it('refuses a member who neither created the team thread nor administers the organisation', async () => {
    const owner = await signUpUser(server, 'Boss');
    const member = await signUpUser(server, 'Member');
    const org = (await gqlAs(server, owner, 'mutation { createOrg(input: { name: "Shared" }) { ... on OrgPayload { org { id } } } }')).createOrg.org.id;
    const as = (user: TestUser) => async (query: string, variables: Data = {}) => {
      const result = await server.gql<Data>(query, variables, { token: user.token, headers: { 'x-tmates-org': org } });
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      return result.data!;
    };
    const asOwner = as(owner);
    const asMember = as(member);
    const invite = await asOwner('mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }', { e: member.email });
    await gqlAs(server, member, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.inviteMember.token });
    const writer = (await asOwner('mutation { hireTeammate(input: { catalogKey: "writer" }) { ... on Teammate { id } } }')).hireTeammate.id;
    const memberId = member.userId;
    const made = await asOwner('mutation($t: [ID!]!, $u: [ID!]) { createThread(input: { kind: TEAM, teammateIds: $t, userIds: $u }) { ... on CreateThreadPayload { thread { id } } } }', {
      t: [writer],
      u: [memberId],
    });
    const thread = made.createThread.thread.id;
    expect((await asMember(DELETE, { id: thread })).deleteThread).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await rowsOf(thread)).threads).toBe(1);
    expect((await asOwner(DELETE, { id: thread })).deleteThread.__typename).toBe('DeleteThreadPayload');
  });
});
