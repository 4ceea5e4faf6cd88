import { describe, expect, it } from 'vitest';
import { gqlAs } from '../helpers/kit.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { useServerWithFakeModel } from '../helpers/agents.ts';
import { APPROVALS, APPROVE, memoriesWith, setPolicy, until } from './helpers.ts';

/** In a goal, a task waiting for approval keeps the goal RUNNING and says so in its progress; approving lets the goal finish. */
const ctx = useServerWithFakeModel({ MODEL_MAX_RETRIES: '0' });
const GOAL = `query($id: ID!) { goal(id: $id) { status progress { done total } tasks { status progress run { id status } } } }`;

describe('approval inside a goal', () => {
  it('keeps the goal RUNNING while its task waits, then finishes it', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Goal Setter');
    const ids: Record<string, string> = {};
    for (const key of ['coordinator', 'researcher']) {
      ids[key] = (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key })).hireTeammate.id;
    }
    const thread = (await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Goal" }) { ... on CreateThreadPayload { thread { id } } } }', { t: [ids.coordinator, ids.researcher] }))
      .createThread.thread.id;
    await setPolicy(server, user, { tool: 'remember', policy: 'ASK' });
    fake.enqueue(
      {
        kind: 'text',
        when: 'Plan it as a short list',
        chunks: [JSON.stringify({ summary: 'One task.', tasks: [{ title: 'Note the market size', assignee: 'researcher', instructions: 'Do it', done_when: 'noted', depends_on: [] }] })],
      },
      { kind: 'tools', when: 'Note the market size', calls: [{ name: 'remember', arguments: JSON.stringify({ content: 'market is 3bn' }) }] },
      { kind: 'text', chunks: ['Noted the market size: 3bn.'] },
      { kind: 'text', when: '[Goal report]', chunks: ['Report: the market is 3bn.'] },
    );
    const goalId = (await gqlAs(server, user, 'mutation($input: CreateGoalInput!) { createGoal(input: $input) { ... on Goal { id } } }', { input: { threadId: thread, instruction: 'Size the market' } })).createGoal.id;

    let goal: Record<string, any> = {};
    await until(async () => {
      goal = (await gqlAs(server, user, GOAL, { id: goalId })).goal;
      // The task and its run are read by two statements, so wait until both show the parked run.
      return goal.tasks[0]?.run?.status === 'WAITING_FOR_APPROVAL' && goal.tasks[0]?.progress !== null;
    }, 30_000);
    expect(goal).toMatchObject({ status: 'RUNNING', progress: { done: 0, total: 1 }, tasks: [{ status: 'RUNNING', progress: 'Waiting for approval to use remember' }] });
    const [approval] = (await gqlAs(server, user, APPROVALS, { status: 'PENDING', threadId: thread })).toolApprovals;
    expect(approval).toMatchObject({ tool: 'remember', run: { id: goal.tasks[0].run.id } });
    // The goal does not move on while it waits.
    expect((await gqlAs(server, user, GOAL, { id: goalId })).goal.status).toBe('RUNNING');

    await gqlAs(server, user, APPROVE, { input: { approvalId: approval.id } });
    await until(async () => (await gqlAs(server, user, GOAL, { id: goalId })).goal.status === 'SUCCEEDED', 30_000);
    goal = (await gqlAs(server, user, GOAL, { id: goalId })).goal;
    expect(goal).toMatchObject({ progress: { done: 1, total: 1 }, tasks: [{ status: 'SUCCEEDED' }] });
    expect(await memoriesWith(server, 'market is 3bn')).toBe(1);
  }, 60_000);
});
