import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addJob } from '../../src/repositories/jobs.ts';
import { tickSchedulesTask } from '../../src/jobs/tasks/schedules__tick.ts';
import { fireDueSchedules } from '../../src/services/schedules.ts';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';
import { gqlAs, waitFor, type Data } from '../helpers/kit.ts';

/** Two processes with workers on one database (the offline model answers), and a clock we move by hand. */
let db: TestDatabase;
let a: TestServer;
let b: TestServer;
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-schedules-'));
beforeAll(async () => {
  db = await createTestDatabase();
  [a, b] = await Promise.all([
    startTestServer({ databaseUrl: db.url, worker: true, env: { TMATES_HOME: home } }),
    startTestServer({ databaseUrl: db.url, worker: true, env: { TMATES_HOME: home } }),
  ]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
  rmSync(home, { recursive: true, force: true });
});


function setClock(iso: string): void {
  for (const server of [a, b]) server.app.services.clock.now = () => new Date(iso);
}

async function goalsOf(user: TestUser, thread: string): Promise<Data[]> {
  const { goals } = await gqlAs(a, user, 'query($t: ID!) { goals(threadId: $t) { edges { node { id status occurrenceAt instruction } } } }', { t: thread });
  return goals.edges.map((e: Data) => e.node);
}


const SCHEDULE = `mutation($input: ScheduleGoalInput!) { scheduleGoal(input: $input) { __typename ... on Schedule { id cron timezone paused nextRunAt lastRunAt } ... on ValidationError { issues { field message } } } }`;

describe('recurring goals', () => {
  it('fire on time, once per occurrence even with two workers, and each occurrence is a normal goal (offline model, end to end)', async () => {
    const user = await signUpUser(a, 'Scheduler');
    const hire = async (key: string) => (await gqlAs(a, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key })).hireTeammate.id;
    const team = [await hire('researcher'), await hire('writer'), await hire('coordinator')];
    const { createThread } = await gqlAs(a, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Daily" }) { ... on CreateThreadPayload { thread { id } } } }', { t: team });
    const thread = createThread.thread.id;

    expect((await gqlAs(a, user, SCHEDULE, { input: { threadId: thread, instruction: 'x', cron: 'every day', timezone: 'Europe/Paris' } })).scheduleGoal).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'cron' }],
    });
    expect((await gqlAs(a, user, SCHEDULE, { input: { threadId: thread, instruction: 'x', cron: '0 9 * * *', timezone: 'Mars/Olympus' } })).scheduleGoal).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'timezone' }],
    });

    setClock('2026-11-24T07:00:00Z');
    const created = (
      await gqlAs(a, user, SCHEDULE, {
        input: { threadId: thread, instruction: 'Amara and Rohan: research and write the daily brief', cron: '0 9 * * *', timezone: 'Europe/Paris' },
      })
    ).scheduleGoal;
    expect(created).toMatchObject({ __typename: 'Schedule', paused: false, nextRunAt: '2026-11-24T08:00:00.000Z', lastRunAt: null });

    // A minute early: nothing.
    setClock('2026-11-24T07:59:00Z');
    await Promise.all([fireDueSchedules(a.app.services), fireDueSchedules(b.app.services)]);
    expect(await goalsOf(user, thread)).toEqual([]);

    // On time, both workers ticking at once: one goal.
    setClock('2026-11-24T08:00:20Z');
    await Promise.all([fireDueSchedules(a.app.services), fireDueSchedules(b.app.services), fireDueSchedules(a.app.services)]);
    const first = await goalsOf(user, thread);
    expect(first).toMatchObject([{ occurrenceAt: '2026-11-24T08:00:00.000Z', instruction: 'Amara and Rohan: research and write the daily brief' }]);
    const schedule = (await gqlAs(a, user, 'query($id: ID!) { node(id: $id) { ... on Schedule { nextRunAt lastRunAt } } }', { id: created.id })).node;
    expect(schedule).toEqual({ nextRunAt: '2026-11-25T08:00:00.000Z', lastRunAt: '2026-11-24T08:00:00.000Z' });

    // The goal runs like any other: the offline coordinator plans one task per named teammate.
    const GOAL = 'query($id: ID!) { goal(id: $id) { status coordinator { name } tasks { title status result assignee { name } } report pinboardPost { title tags } requestMessage { authorKind body } } }';
    const goal = await waitFor(async () => {
      const g = (await gqlAs(a, user, GOAL, { id: first[0]!.id })).goal;
      return ['SUCCEEDED', 'FAILED'].includes(g.status) ? g : undefined;
    }, 'the first occurrence to finish', 30_000);
    expect(goal.status).toBe('SUCCEEDED');
    expect(goal.coordinator.name).toBe('Amara'); // the thread's lead
    expect(goal.tasks.map((t: Data) => [t.assignee.name, t.status])).toEqual([
      ['Amara', 'SUCCEEDED'],
      ['Rohan', 'SUCCEEDED'],
    ]);
    expect(goal.tasks[0].result).toMatch(/^Amara here, your research analyst: my part of the goal/);
    expect(goal.report).toMatch(/^## Report: Amara and Rohan: research and write the daily brief\n\nEvery task is done\.\n\n\*\*Results\*\*\n- Research analyst: /);
    expect(goal.pinboardPost).toEqual({ title: 'Report: Amara and Rohan: research and write the daily brief', tags: ['goal-report'] });
    expect(goal.requestMessage).toEqual({ authorKind: 'SYSTEM', body: 'Scheduled goal: Amara and Rohan: research and write the daily brief' });

    // The next day, through the tick job itself, queued twice (one per worker): one more goal.
    setClock('2026-11-25T08:00:05Z');
    await Promise.all([addJob(a.app.services.db, tickSchedulesTask, {}), addJob(b.app.services.db, tickSchedulesTask, {})]);
    const second = await waitFor(async () => {
      const goals = await goalsOf(user, thread);
      return goals.length >= 2 ? goals : undefined;
    }, 'the second occurrence', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await goalsOf(user, thread)).map((g) => g.occurrenceAt)).toEqual(['2026-11-25T08:00:00.000Z', '2026-11-24T08:00:00.000Z']);
    expect(second).toHaveLength(2);

    // Paused: nothing fires; resumed: from the next occurrence after now; deleted: its goals stay.
    const paused = await gqlAs(a, user, 'mutation($id: ID!) { pauseSchedule(input: { scheduleId: $id }) { ... on Schedule { paused } } }', { id: created.id });
    expect(paused.pauseSchedule.paused).toBe(true);
    setClock('2026-11-27T08:00:05Z');
    await fireDueSchedules(a.app.services);
    expect(await goalsOf(user, thread)).toHaveLength(2);
    const resumed = await gqlAs(a, user, 'mutation($id: ID!) { pauseSchedule(input: { scheduleId: $id, paused: false }) { ... on Schedule { paused nextRunAt } } }', { id: created.id });
    expect(resumed.pauseSchedule).toEqual({ paused: false, nextRunAt: '2026-11-28T08:00:00.000Z' });
    const listed = await gqlAs(a, user, '{ schedules { edges { node { id instruction } } } }');
    expect(listed.schedules.edges.map((e: Data) => e.node.id)).toEqual([created.id]);
    const stranger = await signUpUser(a, 'Outsider');
    expect((await gqlAs(a, stranger, '{ schedules { edges { node { id } } } }')).schedules.edges).toEqual([]);
    expect((await gqlAs(a, stranger, 'mutation($id: ID!) { deleteSchedule(input: { scheduleId: $id }) { __typename } }', { id: created.id })).deleteSchedule.__typename).toBe('NotFoundError');
    const deleted = await gqlAs(a, user, 'mutation($id: ID!) { deleteSchedule(input: { scheduleId: $id }) { ... on DeleteSchedulePayload { deletedScheduleId } } }', { id: created.id });
    expect(deleted.deleteSchedule.deletedScheduleId).toBe(created.id);
    expect((await gqlAs(a, user, '{ schedules { edges { node { id } } } }')).schedules.edges).toEqual([]);
    expect(await goalsOf(user, thread)).toHaveLength(2);
  }, 90_000);
});

describe('a refused occurrence', () => {
  it('says why in its thread and announces nothing that its rollback took back', async () => {
    const user = await signUpUser(a, 'Overspent');
    const coordinator = (await gqlAs(a, user, 'mutation { hireTeammate(input: { catalogKey: "coordinator" }) { ... on Teammate { id } } }')).hireTeammate.id;
    const { createThread } = await gqlAs(a, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Weekly" }) { ... on CreateThreadPayload { thread { id } } } }', { t: [coordinator] });
    const thread = createThread.thread.id;
    setClock('2026-12-01T07:00:00Z');
    const created = (await gqlAs(a, user, SCHEDULE, { input: { threadId: thread, instruction: 'Summarise the week', cron: '0 9 * * *', timezone: 'UTC' } })).scheduleGoal;
    expect(created.__typename).toBe('Schedule');
    // On a plan with 1,000 runs a month, all of them used.
    await sql`insert into usage_events (org_id, kind, quantity) values (${decodeGlobalID(user.orgId).id}, 'run', 1000)`.execute(a.app.services.db);
    const onFreePlan = { ...a.app.services, config: { ...a.app.services.config, defaultPlan: 'free' as const } };

    const before = a.app.services.bus.listenerCount();
    const sub = collect<Data>(a.wsClient({ token: user.token }), 'subscription($id: ID!) { threadEvents(threadId: $id) { __typename ... on MessageEvent { message { seq body authorKind } } } }', { id: thread });
    await waitFor(() => a.app.services.bus.listenerCount() > before);
    expect(await fireDueSchedules(onFreePlan, new Date('2026-12-01T09:00:30Z'))).toBe(0);

    await waitFor(() => sub.events.length > 0);
    await new Promise((r) => setTimeout(r, 300)); // anything else would have arrived by now
    const messages = sub.events.map((e) => e.threadEvents.message);
    expect(messages).toEqual([
      { seq: expect.any(Number), authorKind: 'SYSTEM', body: expect.stringMatching(/^The scheduled goal “Summarise the week” could not start: .*used up/) },
    ]);
    const { node } = await gqlAs(a, user, 'query($id: ID!) { node(id: $id) { ... on Thread { lastSeq } } }', { id: thread });
    expect(messages[0].seq).toBe(node.lastSeq); // the rolled-back request message never showed, nor took a position
    expect(await goalsOf(user, thread)).toEqual([]);
    sub.stop();
  });
});
