import { describe, expect, it } from 'vitest';
import { gqlAs } from '../helpers/kit.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import { APPROVALS, APPROVE, eventOf, memoriesWith, pendingApproval, setPolicy, watchApprovals } from './helpers.ts';

/** An approval nobody answers expires after TOOL_APPROVAL_TTL_SECONDS, as a rejection the model hears. */
const ctx = useServerWithFakeModel({ TOOL_APPROVAL_TTL_SECONDS: '1' });

describe('approval expiry', () => {
  it('expires an unanswered call: it does not run, the model is told, and a late approval is refused', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Sleeper');
    await setPolicy(server, user, { tool: 'remember', policy: 'ASK' });
    const thread = await directThreadOf(server, user);
    const sub = await watchApprovals(server, user, thread);
    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'remember', arguments: JSON.stringify({ content: 'expiring note' }) }] },
      { kind: 'text', chunks: ['Nobody approved it, so I did not save it.'], when: 'expired' },
    );
    const runId = (await send(server, user, thread, 'Remember an expiring note')).runs[0].id;
    const asked = await eventOf(sub, pendingApproval);
    await eventOf(sub, (e) => e.__typename === 'ApprovalEvent' && e.approval.status === 'EXPIRED', 30_000);
    const run = await waitForRun(server, user, runId, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 30_000);
    expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'Nobody approved it, so I did not save it.' } });
    expect(await memoriesWith(server, 'expiring note')).toBe(0);
    expect(JSON.parse(fake.requests.at(-1)!.messages.at(-1).content).error).toContain('expired');
    const [approval] = (await gqlAs(server, user, APPROVALS, { threadId: thread })).toolApprovals;
    expect(approval).toMatchObject({ id: asked.approval.id, status: 'EXPIRED', decidedBy: null });
    expect((await gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id } })).approveToolCall.__typename).toBe('ConflictError');
    sub.stop();
  }, 60_000);
});
