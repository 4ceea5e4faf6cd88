import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import type { FakeOpenAI, Script } from '../helpers/fake-openai.ts';
import type { TestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';
import { gqlAs, waitFor, type Data } from '../helpers/kit.ts';

const model = useServerWithFakeModel({ MODEL_MAX_RETRIES: '0' });
let fake: FakeOpenAI;
let server: TestServer;
beforeAll(() => {
  ({ fake, server } = model);
});


const GOAL = `query($id: ID!) { goal(id: $id) {
  id instruction status error report replanned tokenBudget tokensUsed
  coordinator { name } team { name }
  progress { done failed total }
  tasks { id position title status result error assignee { name } dependsOn { position } startedAt finishedAt run { id kind status } }
  runs { kind status teammate { name } }
  planMessage { body authorTeammate { name } }
  reportMessage { body status authorTeammate { name } }
  pinboardPost { title body authorTeammate { name } }
} }`;

const CREATE = `mutation($input: CreateGoalInput!) { createGoal(input: $input) { __typename ... on Goal { id status } ... on ValidationError { issues { field message } } ... on Error { errorMessage: message } } }`;

async function teamThread(name: string): Promise<{ user: TestUser; thread: string; ids: Record<string, string> }> {
  const user = await signUpUser(server, name);
  const ids: Record<string, string> = {};
  for (const key of ['coordinator', 'researcher', 'analyst', 'writer']) {
    ids[key] = (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key })).hireTeammate.id;
  }
  const { createThread } = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Launch" }) { ... on CreateThreadPayload { thread { id } } } }', {
    t: [ids.coordinator, ids.researcher, ids.analyst, ids.writer],
  });
  return { user, thread: createThread.thread.id, ids };
}

const plan = (tasks: Array<{ title: string; assignee: string; depends_on?: number[] }>, usage?: { prompt: number; completion: number }): Script => ({
  kind: 'text',
  when: 'Plan it as a short list',
  chunks: [JSON.stringify({ summary: 'Research and numbers first, then the write-up.', tasks: tasks.map((t) => ({ instructions: `Do: ${t.title}`, done_when: `${t.title} is posted`, depends_on: [], ...t })) })],
  usage,
});

async function goalOf(user: TestUser, id: string): Promise<Data> {
  return (await gqlAs(server, user, GOAL, { id })).goal;
}

async function waitForGoal(user: TestUser, id: string, statuses: string[], ms = 30_000): Promise<Data> {
  let goal: Data = {};
  return waitFor(async () => {
    goal = await goalOf(user, id);
    return statuses.includes(goal.status) && goal;
  }, ms).catch(() => {
    throw new Error(`goal still ${goal.status}: ${JSON.stringify(goal)}`);
  });
}

describe('a goal, end to end with a model', () => {
  it('plans three tasks, runs the independent two at once and the third after both, posts plan, results and report, and pins the report', async () => {
    const { user, thread, ids } = await teamThread('Planner');
    fake.enqueue(
      plan([
        { title: 'Research competitors', assignee: 'researcher' },
        { title: 'Crunch the numbers', assignee: 'analyst' },
        { title: 'Write the launch note', assignee: 'writer', depends_on: [1, 2] },
      ]),
      // Long enough that the two overlap even on a busy machine.
      { kind: 'text', when: 'Research competitors', chunks: ['Competitors ', 'charge ', '$20.'], delayMs: 400 },
      { kind: 'text', when: 'Crunch the numbers', chunks: ['Margin ', 'is ', '40%.'], delayMs: 400 },
      { kind: 'text', when: 'Write the launch note', chunks: ['Launch note: we undercut at $18.'] },
      { kind: 'text', when: '[Goal report]', chunks: ['## Report\n\nWe launch at $18 with a 40% margin.'] },
    );
    const before = fake.requests.length;
    const created = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Prepare our pricing launch', coordinatorId: ids.coordinator } })).createGoal;
    expect(created).toMatchObject({ __typename: 'Goal', status: 'PLANNING' });
    const events = collect(server.wsClient({ token: user.token }), 'subscription($id: ID!) { goalEvents(goalId: $id) { change goal { status } task { title status } } }', { id: created.id });

    const goal = await waitForGoal(user, created.id, ['SUCCEEDED', 'FAILED']);
    expect(goal).toMatchObject({
      status: 'SUCCEEDED',
      error: null,
      coordinator: { name: 'Kwame' },
      progress: { done: 3, failed: 0, total: 3 },
      report: '## Report\n\nWe launch at $18 with a 40% margin.',
      reportMessage: { status: 'COMPLETE', authorTeammate: { name: 'Kwame' } },
      pinboardPost: { title: 'Report: Prepare our pricing launch', body: '## Report\n\nWe launch at $18 with a 40% margin.', authorTeammate: { name: 'Kwame' } },
    });
    expect(goal.planMessage.body).toContain('**Plan for:** Prepare our pricing launch');
    expect(goal.planMessage.body).toContain('3. **Write the launch note** — Rohan · after 1, 2');
    const [research, numbers, write] = goal.tasks;
    expect(goal.tasks.map((t: Data) => [t.title, t.assignee.name, t.status, t.result])).toEqual([
      ['Research competitors', 'Amara', 'SUCCEEDED', 'Competitors charge $20.'],
      ['Crunch the numbers', 'Freya', 'SUCCEEDED', 'Margin is 40%.'],
      ['Write the launch note', 'Rohan', 'SUCCEEDED', 'Launch note: we undercut at $18.'],
    ]);
    expect(write.dependsOn.map((d: Data) => d.position)).toEqual([1, 2]);
    // The two independent tasks overlapped; the third started after both had finished.
    const t = (x: string) => new Date(x).getTime();
    expect(t(research.startedAt)).toBeLessThan(t(numbers.finishedAt));
    expect(t(numbers.startedAt)).toBeLessThan(t(research.finishedAt));
    expect(t(write.startedAt)).toBeGreaterThanOrEqual(Math.max(t(research.finishedAt), t(numbers.finishedAt)));
    expect(goal.runs.map((r: Data) => r.kind)).toEqual(['PLAN', 'TASK', 'TASK', 'TASK', 'REPORT']);
    expect(goal.tokensUsed).toBeGreaterThan(0);

    // The write-up saw the results it builds on; the planner saw the team by handle.
    const calls = fake.requests.slice(before);
    expect(JSON.stringify(calls[0]!.messages.at(-1))).toContain('- researcher: Amara, Research analyst');
    expect(calls[0]!.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'goal_plan' } });
    const writeCall = calls.find((c) => JSON.stringify(c.messages.at(-1)).includes('Write the launch note'))!;
    expect(writeCall.messages[0].content).toContain('Results you build on:\n- Research competitors (Amara): Competitors charge $20.\n- Crunch the numbers (Freya): Margin is 40%.');
    expect(writeCall.tools.map((x: Data) => x.function.name)).toEqual(expect.arrayContaining(['report_progress', 'complete_task']));

    // In the thread: the request, the plan, the three results and the report, in that order.
    const { node } = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 20) { edges { node { authorKind body authorTeammate { name } } } } } } }', { id: thread });
    const teammateMessages = node.messages.edges.map((e: Data) => e.node).filter((m: Data) => m.authorKind === 'TEAMMATE');
    expect(teammateMessages.map((m: Data) => m.authorTeammate.name)).toEqual(['Kwame', expect.any(String), expect.any(String), 'Rohan', 'Kwame']);
    expect(teammateMessages.slice(1, 3).map((m: Data) => m.authorTeammate.name).sort()).toEqual(['Amara', 'Freya']);
    expect(node.messages.edges.map((e: Data) => e.node).find((m: Data) => m.authorKind === 'USER').body).toBe('Goal: Prepare our pricing launch');

    await events.ended();
    const changes = events.events.map((e) => e.goalEvents.change);
    expect(changes[0]).toBe('PLANNED');
    expect(changes.filter((c) => c === 'TASK').length).toBeGreaterThanOrEqual(6); // queued, started, done × 3
    expect(events.events.at(-1)!.goalEvents).toMatchObject({ change: 'STATUS', goal: { status: 'SUCCEEDED' } });
  });
});

describe('stopping a goal', () => {
  it('cancelGoal cancels every queued and running run (aborting the model calls) and closes the open tasks', async () => {
    const { user, thread } = await teamThread('Canceller');
    fake.enqueue(
      plan([
        { title: 'Long research', assignee: 'researcher' },
        { title: 'Long numbers', assignee: 'analyst' },
        { title: 'Summary', assignee: 'writer', depends_on: [1, 2] },
      ]),
      { kind: 'endless', when: 'Long research', intervalMs: 30 },
      { kind: 'endless', when: 'Long numbers', intervalMs: 30 },
    );
    const aborted = fake.abortedStreams;
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Analyse the market' } })).createGoal;
    const running = async () => (await goalOf(user, id)).tasks.filter((t: Data) => t.status === 'RUNNING').length;
    await waitFor(async () => (await running()) >= 2, 'both tasks to start', 20_000);
    const cancelled = (await gqlAs(server, user, 'mutation($id: ID!) { cancelGoal(input: { goalId: $id }) { __typename ... on Goal { status viewerCanCancel } } }', { id })).cancelGoal;
    expect(cancelled).toEqual({ __typename: 'Goal', status: 'CANCELLED', viewerCanCancel: false });
    await waitFor(() => fake.abortedStreams >= aborted + 2, 5_000);
    const goal = await goalOf(user, id);
    expect(goal.tasks.map((t: Data) => t.status)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);
    await waitFor(() => server.app.agents.activeRunIds.length === 0, 5_000);
    const { rows } = await sql<{ n: string }>`select count(*) as n from runs where goal_id = ${decode(id)} and status in ('queued', 'running')`.execute(server.app.services.db);
    expect(Number(rows[0]!.n)).toBe(0);
    const last = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 1) { edges { node { authorKind body } } } } } }', { id: thread });
    expect(last.node.messages.edges[0].node).toEqual({ authorKind: 'SYSTEM', body: 'Goal cancelled: Analyse the market' });
  });

  it('a token budget stops the scheduling of new tasks, and the report says so', async () => {
    const { user, thread } = await teamThread('Budgeter');
    fake.enqueue(plan([{ title: 'Expensive research', assignee: 'researcher' }], { prompt: 1_500, completion: 20 }), {
      kind: 'text',
      when: '[Goal report]',
      chunks: ['Stopped: the budget ran out before any research.'],
    });
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Research everything', tokenBudget: 1_000 } })).createGoal;
    const goal = await waitForGoal(user, id, ['SUCCEEDED', 'FAILED']);
    expect(goal).toMatchObject({ status: 'FAILED', tokenBudget: 1_000, report: 'Stopped: the budget ran out before any research.' });
    expect(goal.error).toMatch(/^The token budget \(1000\) is spent \(1520 used\)/);
    expect(goal.tasks).toMatchObject([{ title: 'Expensive research', status: 'SKIPPED', run: null }]);
    expect(goal.runs.map((r: Data) => r.kind)).toEqual(['PLAN', 'REPORT']);
    expect(JSON.stringify(fake.requests.at(-1)!.messages.at(-1))).toContain('Outcome: Stopped early: The token budget (1000) is spent');
  });
});

describe('"stop" in a thread with a goal', () => {
  it('stops the goal and its teammates, and people in the thread hear about it on viewerEvents', async () => {
    const { user, thread } = await teamThread('Stopper');
    const before = server.app.services.bus.listenerCount();
    const viewer = collect(server.wsClient({ token: user.token }), 'subscription { viewerEvents { __typename ... on GoalEvent { change goal { status instruction } } } }', {}, (e) => e.viewerEvents.__typename === 'GoalEvent');
    await waitFor(() => server.app.services.bus.listenerCount() > before);
    fake.enqueue(plan([{ title: 'Endless research', assignee: 'researcher' }]), { kind: 'endless', when: 'Endless research', intervalMs: 30 });
    const aborted = fake.abortedStreams;
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Research forever' } })).createGoal;
    await waitFor(async () => (await goalOf(user, id)).tasks[0]?.status === 'RUNNING', 'the task to start', 20_000);
    const stop = await send(server, user, thread, 'stop');
    expect(stop.runs).toEqual([]);
    await waitFor(() => fake.abortedStreams > aborted, 5_000);
    const goal = await goalOf(user, id);
    expect(goal).toMatchObject({ status: 'CANCELLED', tasks: [{ status: 'CANCELLED' }] });
    const last = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 1) { edges { node { body } } } } } }', { id: thread });
    expect(last.node.messages.edges[0].node.body).toBe('Stopped Amara and the goal as requested.');
    await waitFor(() => viewer.events.some((e) => e.viewerEvents.goal.status === 'CANCELLED'), 5_000);
    expect(viewer.events[0]!.viewerEvents).toMatchObject({ change: 'CREATED', goal: { instruction: 'Research forever' } });
    viewer.stop();
  });
});

describe('failures', () => {
  it('a plan the model service cannot deliver fails the goal with a readable reason, in the thread too', async () => {
    const { user, thread } = await teamThread('Unplanned');
    fake.enqueue({ kind: 'error', when: 'Plan it as a short list', status: 503, message: 'overloaded' });
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Plan the impossible' } })).createGoal;
    const goal = await waitForGoal(user, id, ['FAILED']);
    expect(goal.error).toMatch(/^Planning failed: The model service is unavailable \(503\)/);
    expect(goal.tasks).toEqual([]);
    const last = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 1) { edges { node { authorKind body } } } } } }', { id: thread });
    expect(last.node.messages.edges[0].node).toMatchObject({ authorKind: 'SYSTEM', body: expect.stringMatching(/^The goal could not be planned: The model service is unavailable \(503\)/) });
  });

  it('a task that fails after its retries makes the coordinator re-plan once', async () => {
    const { user, thread } = await teamThread('Replanner');
    fake.enqueue(
      plan([{ title: 'Fragile numbers', assignee: 'analyst' }]),
      { kind: 'error', when: 'Fragile numbers', status: 500 },
      { kind: 'error', when: 'Fragile numbers', status: 500 },
      { kind: 'text', when: 'Some tasks failed', chunks: [JSON.stringify({ summary: 'Amara takes it over.', tasks: [{ title: 'Sturdy numbers', assignee: 'researcher', instructions: 'Estimate', done_when: 'posted', depends_on: [] }] })] },
      { kind: 'text', when: 'Sturdy numbers', chunks: ['Roughly 40%.'] },
      { kind: 'text', when: '[Goal report]', chunks: ['Done after a re-plan.'] },
    );
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Estimate the margin' } })).createGoal;
    const goal = await waitForGoal(user, id, ['SUCCEEDED', 'FAILED']);
    expect(goal).toMatchObject({ status: 'SUCCEEDED', replanned: true, report: 'Done after a re-plan.' });
    expect(goal.tasks).toMatchObject([{ title: 'Sturdy numbers', status: 'SUCCEEDED', assignee: { name: 'Amara' }, result: 'Roughly 40%.' }]);
    const all = (await gqlAs(server, user, 'query($id: ID!) { goal(id: $id) { tasks(allRounds: true) { title status attempts error } } }', { id })).goal.tasks;
    expect(all[0]).toMatchObject({ title: 'Fragile numbers', status: 'FAILED', attempts: 2, error: expect.stringContaining('(500)') });
    expect(goal.runs.map((r: Data) => r.kind)).toEqual(['PLAN', 'TASK', 'TASK', 'PLAN', 'TASK', 'REPORT']);
  });

  it('a result handed in by a failed attempt does not stand: the retry’s answer is the result', async () => {
    const { user, thread } = await teamThread('Retrier');
    fake.enqueue(
      plan([{ title: 'Flaky figures', assignee: 'analyst' }]),
      { kind: 'tools', when: 'Flaky figures', calls: [{ name: 'complete_task', arguments: JSON.stringify({ result: 'Stale figures' }) }] },
      { kind: 'error', when: 'Result handed in', status: 500 }, // the attempt fails after handing in
      { kind: 'text', when: 'Flaky figures', chunks: ['Fresh figures.'] },
      { kind: 'text', when: '[Goal report]', chunks: ['Reported.'] },
    );
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Get the figures' } })).createGoal;
    const goal = await waitForGoal(user, id, ['SUCCEEDED', 'FAILED']);
    expect(goal.status).toBe('SUCCEEDED');
    expect(goal.tasks).toMatchObject([{ title: 'Flaky figures', status: 'SUCCEEDED', result: 'Fresh figures.' }]);
    expect(goal.runs.map((r: Data) => [r.kind, r.status])).toEqual([
      ['PLAN', 'SUCCEEDED'],
      ['TASK', 'FAILED'],
      ['TASK', 'SUCCEEDED'],
      ['REPORT', 'SUCCEEDED'],
    ]);
  });

  it('with the budget spent, a failed task goes straight to the report instead of a new plan', async () => {
    const { user, thread } = await teamThread('Spender');
    fake.enqueue(
      plan([
        { title: 'Costly research', assignee: 'researcher' },
        { title: 'Doomed numbers', assignee: 'analyst' },
      ]),
      // Slow: the other task has failed for good before this one spends the budget.
      { kind: 'text', when: 'Costly research', chunks: ['Found ', 'it', '.'], delayMs: 400, usage: { prompt: 6_000, completion: 10 } },
      { kind: 'error', when: 'Doomed numbers', status: 500 },
      { kind: 'error', when: 'Doomed numbers', status: 500 },
      { kind: 'text', when: '[Goal report]', chunks: ['Out of budget.'] },
    );
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Research and count', tokenBudget: 5_000 } })).createGoal;
    const goal = await waitForGoal(user, id, ['SUCCEEDED', 'FAILED']);
    expect(goal.replanned).toBe(false);
    expect(goal.runs.map((r: Data) => r.kind).sort()).toEqual(['PLAN', 'REPORT', 'TASK', 'TASK', 'TASK']);
    expect(goal.error).toMatch(/^A task failed: Doomed numbers .*\. The token budget \(5000\) is spent/);
  });
});

describe('validation and tenancy', () => {
  it('refuses bad input with typed errors and keeps goals to the people in their thread', async () => {
    const { user, thread } = await teamThread('Owner');
    const stranger = await signUpUser(server, 'Stranger');
    const bad = async (input: Data, who = user) => (await gqlAs(server, who, CREATE, { input: { threadId: thread, ...input } })).createGoal;
    expect(await bad({ instruction: '  ' })).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'instruction' }] });
    expect(await bad({ instruction: 'x', tokenBudget: 10 })).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'tokenBudget' }] });
    expect(await bad({ instruction: 'x', deadline: '2020-01-01T00:00:00Z' })).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'deadline' }] });
    const strangersTeammate = (await gqlAs(server, stranger, '{ teammates { edges { node { id } } } }')).teammates.edges[0].node.id;
    expect(await bad({ instruction: 'x', teammateIds: [strangersTeammate] })).toMatchObject({ __typename: 'NotFoundError' });
    expect(await bad({ instruction: 'x' }, stranger)).toMatchObject({ __typename: 'NotFoundError' });
    const { rows } = await sql<{ n: string }>`select count(*) as n from goals`.execute(server.app.services.db);
    const goalsBefore = Number(rows[0]!.n);

    fake.enqueue(plan([{ title: 'Quick research', assignee: 'researcher' }]), { kind: 'text', when: 'Quick research', chunks: ['Done.'] }, { kind: 'text', when: '[Goal report]', chunks: ['Report.'] });
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'A quick one' } })).createGoal;
    await waitForGoal(user, id, ['SUCCEEDED']);
    expect(Number((await sql<{ n: string }>`select count(*) as n from goals`.execute(server.app.services.db)).rows[0]!.n)).toBe(goalsBefore + 1);
    expect((await gqlAs(server, stranger, 'query($id: ID!) { goal(id: $id) { id } node(id: $id) { id } }', { id }))).toEqual({ goal: null, node: null });
    expect((await gqlAs(server, stranger, '{ goals { edges { node { id } } } }')).goals.edges).toEqual([]);
    expect((await gqlAs(server, stranger, 'mutation($id: ID!) { cancelGoal(input: { goalId: $id }) { __typename } }', { id })).cancelGoal.__typename).toBe('NotFoundError');
    const watch = collect(server.wsClient({ token: stranger.token }), 'subscription($id: ID!) { goalEvents(goalId: $id) { change } }', { id });
    await watch.ended();
    expect(JSON.stringify(watch.errors)).toContain('Goal not found');
    const listed = await gqlAs(server, user, 'query($t: ID!) { goals(threadId: $t, status: SUCCEEDED) { edges { node { id instruction } } } }', { t: thread });
    expect(listed.goals.edges.map((e: Data) => e.node.id)).toEqual([id]);
  });
});

describe('goals in progress per person', () => {
  it('refuses one more than the organisation allows at once, until one ends or an admin raises the cap', async () => {
    const { user, thread } = await teamThread('Busy');
    const start = async (instruction: string) => (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction } })).createGoal;
    // Plans that never finish; each only for its own goal, so none is left for later tests.
    fake.enqueue(...[1, 2, 3, 4, 5].map((n) => ({ kind: 'endless' as const, intervalMs: 50, when: `Busy goal ${n}.` })));
    const goals = [];
    for (const n of [1, 2, 3]) goals.push(await start(`Busy goal ${n}.`));
    expect(goals.map((g) => g.__typename)).toEqual(['Goal', 'Goal', 'Goal']);
    const refused = await start('Busy goal 4.');
    expect(refused).toMatchObject({ __typename: 'ConflictError', errorMessage: expect.stringContaining('You have 3 goals in progress') });

    await gqlAs(server, user, 'mutation($id: ID!) { cancelGoal(input: { goalId: $id }) { __typename } }', { id: goals[0].id });
    goals.push(await start('Busy goal 4.'));
    expect(goals.at(-1).__typename).toBe('Goal');
    expect((await start('Busy goal 5.')).__typename).toBe('ConflictError');

    const raised = await gqlAs(server, user, 'mutation { updateSettings(input: { org: { maxActiveGoalsPerPerson: 4 } }) { ... on UpdateSettingsPayload { org { settings { maxActiveGoalsPerPerson } } } } }');
    expect(raised.updateSettings.org.settings.maxActiveGoalsPerPerson).toBe(4);
    goals.push(await start('Busy goal 5.'));
    expect(goals.at(-1).__typename).toBe('Goal');
    const tooMany = await gqlAs(server, user, 'mutation { updateSettings(input: { org: { maxActiveGoalsPerPerson: 0 } }) { __typename ... on ValidationError { issues { field message } } } }');
    expect(tooMany.updateSettings).toMatchObject({ __typename: 'ValidationError', issues: [{ message: 'must be at least 1' }] });

    for (const goal of goals) await gqlAs(server, user, 'mutation($id: ID!) { cancelGoal(input: { goalId: $id }) { __typename } }', { id: goal.id });
    const activeRuns = async () => Number((await sql<{ n: string }>`select count(*) as n from runs where status in ('queued', 'running')`.execute(server.app.services.db)).rows[0]!.n);
    await waitFor(async () => (await activeRuns()) === 0, 'no run active after cancelling every goal', 10_000);
  });
});

describe('people in the thread while a goal runs', () => {
  it('a message to a teammate busy with a task waits for the task and is answered after it (QUEUE)', async () => {
    const { user, thread } = await teamThread('Chatter');
    fake.enqueue(plan([{ title: 'Slow research', assignee: 'researcher' }]), { kind: 'text', when: 'Slow research', chunks: ['Part one. ', 'Part two.'], delayMs: 300 });
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Research slowly' } })).createGoal;
    await waitFor(async () => (await goalOf(user, id)).tasks[0]?.status === 'RUNNING', 'the task to start', 20_000);
    fake.enqueue({ kind: 'text', when: 'how is it going', chunks: ['Almost there.'] }, { kind: 'text', when: '[Goal report]', chunks: ['Report.'] });
    const sent = await send(server, user, thread, '@Amara how is it going?');
    expect(sent.runs.map((r: Data) => r.teammate.name)).toEqual(['Amara']);
    const reply = await waitForRun(server, user, sent.runs[0].id);
    const goal = await waitForGoal(user, id, ['SUCCEEDED', 'FAILED']);
    expect(new Date(goal.tasks[0].finishedAt).getTime()).toBeLessThanOrEqual(new Date((await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Run { startedAt } } }', { id: reply.id ?? sent.runs[0].id })).node.startedAt).getTime());
    expect(reply.reply.body).toBe('Almost there.');
  });
});

describe('people in the thread while a goal runs (INTERRUPT)', () => {
  it('a message to a teammate busy with a task interrupts it; the task starts again after the answer, with the message in view', async () => {
    const { user, thread } = await teamThread('Interrupter');
    await gqlAs(server, user, 'mutation($id: ID!) { updateThread(input: { threadId: $id, busyPolicy: INTERRUPT }) { __typename } }', { id: thread });
    fake.enqueue(plan([{ title: 'Careful research', assignee: 'researcher' }]), { kind: 'endless', when: 'Careful research', intervalMs: 30 });
    const aborted = fake.abortedStreams;
    const { id } = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Research carefully' } })).createGoal;
    await waitFor(async () => (await goalOf(user, id)).tasks[0]?.status === 'RUNNING', 'the task to start', 20_000);
    // The task's (endless) model request has arrived: the requests after `before` are the restart's.
    await waitFor(() => fake.requests.some((r) => JSON.stringify(r.messages.at(-1)).includes('Careful research')), 10_000);
    fake.enqueue(
      { kind: 'text', when: 'focus on Europe', chunks: ['Will do.'] },
      { kind: 'text', when: 'Careful research', chunks: ['European competitors charge €19.'] },
      { kind: 'text', when: '[Goal report]', chunks: ['Europe covered.'] },
    );
    const before = fake.requests.length;
    const sent = await send(server, user, thread, '@Amara please focus on Europe');
    await waitFor(() => fake.abortedStreams > aborted, 5_000);
    const goal = await waitForGoal(user, id, ['SUCCEEDED', 'FAILED']);
    expect(goal).toMatchObject({ status: 'SUCCEEDED', tasks: [{ status: 'SUCCEEDED', result: 'European competitors charge €19.' }] });
    expect(goal.runs.map((r: Data) => [r.kind, r.status])).toEqual([['PLAN', 'SUCCEEDED'], ['TASK', 'CANCELLED'], ['TASK', 'SUCCEEDED'], ['REPORT', 'SUCCEEDED']]);
    expect((await waitForRun(server, user, sent.runs[0].id)).reply.body).toBe('Will do.');
    // The last such request: under load the first task request can arrive after `before` was taken.
    const restarted = fake.requests.slice(before).findLast((c) => JSON.stringify(c.messages.at(-1)).includes('Careful research'))!;
    expect(restarted.messages.map((m: Data) => m.content)).toContain('[Interrupter]: @Amara please focus on Europe');
  });
});

function decode(globalId: string): string {
  return Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;
}
