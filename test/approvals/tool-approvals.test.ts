import { describe, expect, it } from 'vitest';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import { collect } from '../helpers/subscriptions.ts';
import { APPROVALS, APPROVE, eventOf, jobsOfRun, memoriesWith, pendingApproval, REJECT, setPolicy, until, VIEWER_APPROVALS, watchApprovals } from './helpers.ts';

/**
 * People in the loop: a tool with policy ASK parks the run (WAITING_FOR_APPROVAL, no job held)
 * until a person of the thread approves (the tool runs once, with edited arguments if given) or
 * rejects (the model hears why and answers); cancel reaches waiting runs too.
 */
const ctx = useServerWithFakeModel();
const remember = (content: string) => ({ kind: 'tools' as const, calls: [{ name: 'remember', arguments: JSON.stringify({ content }) }] });

describe('tool approval', () => {
  it('parks the run, releases its job, and runs the tool exactly once when approve is sent twice', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Approver');
    expect((await setPolicy(server, user, { tool: 'remember', policy: 'ASK' })).__typename).toBe('ToolPolicySetting');
    const thread = await directThreadOf(server, user);
    const sub = await watchApprovals(server, user, thread);
    const viewerSub = collect(server.wsClient({ token: user.token }), VIEWER_APPROVALS);
    await waitFor(() => server.app.services.bus.listenerCount() >= 2);
    fake.enqueue(remember('The launch is on Friday'), { kind: 'text', chunks: ['Noted, ', 'the launch is Friday.'] });

    const sent = await send(server, user, thread, 'Remember that the launch is on Friday');
    const runId = sent.runs[0].id;
    const asked = await eventOf(sub, pendingApproval);
    expect(asked.approval).toMatchObject({ tool: 'remember', arguments: { content: 'The launch is on Friday' }, run: { id: runId }, teammate: { name: expect.any(String) }, thread: { id: thread } });
    await eventOf(sub, (e) => e.__typename === 'RunEvent' && e.status === 'WAITING_FOR_APPROVAL' && e.run.id === runId);
    const waitingReply = await eventOf(sub, (e) => e.__typename === 'MessageEvent' && e.message.run?.id === runId && e.message.status === 'PENDING');
    expect(waitingReply.message.body).toContain('approve `remember`');
    await waitFor(() => viewerSub.events.some((e) => e.viewerEvents.__typename === 'ApprovalEvent'));
    expect(viewerSub.events.find((e) => e.viewerEvents.__typename === 'ApprovalEvent')!.viewerEvents).toMatchObject({ approval: { status: 'PENDING', tool: 'remember' }, thread: { id: thread } });

    // The worker's slot is free: the run's job is done, nothing is locked while it waits.
    await until(async () => (await jobsOfRun(server, runId)) === 0);
    expect((await waitForRun(server, user, runId, ['WAITING_FOR_APPROVAL'])).status).toBe('WAITING_FOR_APPROVAL');
    const pending = (await gqlAs(server, user, APPROVALS, { status: 'PENDING' })).toolApprovals;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ id: asked.approval.id, viewerCanDecide: true, decidedBy: null });
    expect(await memoriesWith(server, 'The launch is on Friday')).toBe(0);

    const [a, b] = await Promise.all([
      gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id } }),
      gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id } }),
    ]);
    const outcomes = [a.approveToolCall.__typename, b.approveToolCall.__typename].sort();
    expect(outcomes).toEqual(['ConflictError', 'ToolApprovalDecision']);
    const run = await waitForRun(server, user, runId);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.reply).toMatchObject({ status: 'COMPLETE', body: 'Noted, the launch is Friday.' });
    expect(await memoriesWith(server, 'The launch is on Friday')).toBe(1);
    // The model read the tool's result after the approval.
    const last = fake.requests.at(-1)!;
    expect(last.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_0' });
    expect(JSON.parse(last.messages.at(-1).content).summary).toBeTruthy();
    const [decided] = (await gqlAs(server, user, APPROVALS, { threadId: thread })).toolApprovals;
    expect(decided).toMatchObject({ status: 'APPROVED', viewerCanDecide: false, decidedBy: { displayName: 'Approver' } });
    expect((await gqlAs(server, user, APPROVALS, { status: 'PENDING' })).toolApprovals).toHaveLength(0);
    sub.stop();
    viewerSub.stop();
  }, 60_000);

  it('runs an approved call with edited arguments, checked against the tool schema', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Editor');
    await setPolicy(server, user, { tool: 'remember', policy: 'ASK' });
    const thread = await directThreadOf(server, user);
    const sub = await watchApprovals(server, user, thread);
    fake.enqueue(remember('Budget is 10k'), { kind: 'text', chunks: ['Saved the corrected budget.'] });
    const runId = (await send(server, user, thread, 'Remember the budget')).runs[0].id;
    const asked = await eventOf(sub, pendingApproval);

    const bad = (await gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id, arguments: { content: 42 } } })).approveToolCall;
    expect(bad.__typename).toBe('ValidationError');
    expect(bad.issues[0].field).toBe('arguments.content');
    const ok = (await gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id, arguments: { content: 'Budget is 12k' } } })).approveToolCall;
    expect(ok).toMatchObject({ __typename: 'ToolApprovalDecision', approval: { status: 'APPROVED', arguments: { content: 'Budget is 12k' } }, run: { id: runId, status: 'QUEUED' } });
    await waitForRun(server, user, runId);
    expect(await memoriesWith(server, 'Budget is 12k')).toBe(1);
    expect(await memoriesWith(server, 'Budget is 10k')).toBe(0);
    const toolMessage = fake.requests.at(-1)!.messages.at(-1);
    expect(JSON.parse(toolMessage.content).note).toContain('edited arguments');
    sub.stop();
  }, 60_000);

  it('tells the model why a call was rejected, and the model answers', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Rejecter');
    await setPolicy(server, user, { tool: 'remember', policy: 'ASK' });
    const thread = await directThreadOf(server, user);
    const sub = await watchApprovals(server, user, thread);
    fake.enqueue(remember('My password is hunter2'), { kind: 'text', chunks: ['Understood, I will not keep that.'], when: 'never store passwords' });
    const runId = (await send(server, user, thread, 'Remember my password hunter2')).runs[0].id;
    const asked = await eventOf(sub, pendingApproval);
    const rejected = (await gqlAs(server, user, REJECT, { input: { approvalId: asked.approval.id, reason: 'never store passwords' } })).rejectToolCall;
    expect(rejected).toMatchObject({ __typename: 'ToolApprovalDecision', approval: { status: 'REJECTED', reason: 'never store passwords' } });
    const run = await waitForRun(server, user, runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'Understood, I will not keep that.' } });
    expect(await memoriesWith(server, 'My password is hunter2')).toBe(0);
    const toolMessage = fake.requests.at(-1)!.messages.at(-1);
    expect(toolMessage.role).toBe('tool');
    expect(JSON.parse(toolMessage.content).error).toContain('rejected');
    expect(run.steps.at(-1)).toMatchObject({ toolName: 'remember', status: 'FAILED' });
    // Answering again is refused.
    const again = (await gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id } })).approveToolCall;
    expect(again.__typename).toBe('ConflictError');
    sub.stop();
  }, 60_000);

  it('cancelRun and "stop" cancel a waiting run and close its approval', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Canceller');
    await setPolicy(server, user, { tool: 'remember', policy: 'ASK' });
    const thread = await directThreadOf(server, user);
    const sub = await watchApprovals(server, user, thread);
    fake.enqueue(remember('first'));
    const first = (await send(server, user, thread, 'Remember first')).runs[0].id;
    const asked = await eventOf(sub, (e) => pendingApproval(e) && e.approval.run.id === first);
    const cancelled = await gqlAs(server, user, 'mutation($input: CancelRunInput!) { cancelRun(input: $input) { __typename ... on Run { status } } }', { input: { runId: first } });
    expect(cancelled.cancelRun).toMatchObject({ status: 'CANCELLED' });
    await eventOf(sub, (e) => e.__typename === 'ApprovalEvent' && e.approval.id === asked.approval.id && e.approval.status === 'REJECTED');
    const run = await waitForRun(server, user, first, ['CANCELLED']);
    expect(run.reply.status).toBe('CANCELLED');
    const approve = (await gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id } })).approveToolCall;
    expect(approve.__typename).toBe('ConflictError');

    fake.enqueue(remember('second'));
    const second = (await send(server, user, thread, 'Remember second')).runs[0].id;
    await eventOf(sub, (e) => pendingApproval(e) && e.approval.run.id === second);
    await send(server, user, thread, 'stop');
    expect((await waitForRun(server, user, second, ['CANCELLED'])).status).toBe('CANCELLED');
    expect(await memoriesWith(server, 'first')).toBe(0);
    expect(await memoriesWith(server, 'second')).toBe(0);
    sub.stop();
  }, 60_000);

  it('OFF hides a tool; a teammate-level policy overrides the organisation’s', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Policymaker');
    const { teammates } = await gqlAs(server, user, '{ teammates { edges { node { id name } } } }');
    const noor = teammates.edges[0].node;
    await setPolicy(server, user, { tool: 'remember', policy: 'ASK' });
    await setPolicy(server, user, { tool: 'remember', policy: 'OFF', teammateId: noor.id });
    const policies = (await gqlAs(server, user, '{ toolPolicies { tool policy teammate { id } } }')).toolPolicies;
    expect(policies).toEqual(expect.arrayContaining([{ tool: 'remember', policy: 'ASK', teammate: null }, { tool: 'remember', policy: 'OFF', teammate: { id: noor.id } }]));
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'text', chunks: ['ok'] });
    const runId = (await send(server, user, thread, 'hello')).runs[0].id;
    await waitForRun(server, user, runId);
    const offered = (fake.requests.at(-1)!.tools ?? []).map((t: Record<string, any>) => t.function.name);
    expect(offered).not.toContain('remember');
    expect(offered).toContain('recall');

    const bad = await setPolicy(server, user, { tool: 'no_such_tool', policy: 'ASK' });
    expect(bad.__typename).toBe('ValidationError');
  }, 60_000);
});

describe('tenancy of approvals and policies', () => {
  it('a second person cannot see, answer or be told about the first one’s approvals', async () => {
    const { server, fake } = ctx;
    const owner = await signUpUser(server, 'Owner');
    const other = await signUpUser(server, 'Stranger');
    await setPolicy(server, owner, { tool: 'remember', policy: 'ASK' });
    const thread = await directThreadOf(server, owner);
    const sub = await watchApprovals(server, owner, thread);
    const strangerEvents = collect(server.wsClient({ token: other.token }), VIEWER_APPROVALS);
    const ownerEvents = collect(server.wsClient({ token: owner.token }), VIEWER_APPROVALS);
    await waitFor(() => server.app.services.bus.listenerCount() >= 3);
    fake.enqueue(remember('secret plan'), { kind: 'text', chunks: ['done'] });
    const runId = (await send(server, owner, thread, 'Remember the secret plan')).runs[0].id;
    const asked = await eventOf(sub, pendingApproval);
    await waitFor(() => ownerEvents.events.length > 0);

    expect((await gqlAs(server, other, 'query($id: ID!) { node(id: $id) { id } }', { id: asked.approval.id })).node).toBeNull();
    expect((await gqlAs(server, other, APPROVALS, {})).toolApprovals).toEqual([]);
    expect((await gqlAs(server, other, APPROVE, { input: { approvalId: asked.approval.id } })).approveToolCall.__typename).toBe('NotFoundError');
    expect((await gqlAs(server, other, REJECT, { input: { approvalId: asked.approval.id } })).rejectToolCall.__typename).toBe('NotFoundError');
    expect((await gqlAs(server, other, '{ toolPolicies { tool } }')).toolPolicies).toEqual([]);
    expect(strangerEvents.events).toEqual([]);
    // The stranger's own policy does not reach the owner's organisation.
    await setPolicy(server, other, { tool: 'remember', policy: 'OFF' });
    expect((await gqlAs(server, owner, '{ toolPolicies { tool policy } }')).toolPolicies).toEqual([{ tool: 'remember', policy: 'ASK' }]);
    await gqlAs(server, owner, APPROVE, { input: { approvalId: asked.approval.id } });
    await waitForRun(server, owner, runId);
    expect(strangerEvents.events).toEqual([]);
    sub.stop();
    strangerEvents.stop();
    ownerEvents.stop();
  }, 60_000);
});
