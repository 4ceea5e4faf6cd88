import { describe, expect, it } from 'vitest';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import { sql } from 'kysely';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, send, waitForRun } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import { useApiWithWorkerProcesses } from '../helpers/worker-processes.ts';
import type { TestServer } from '../helpers/server.ts';

import { APPROVE, eventOf, jobsOfRun, memoriesWith, pendingApproval, setPolicy, until, watchApprovals } from './helpers.ts';

/**
 * Approval across worker deaths (SIGKILL: no cleanup): the worker that parked the run dies while
 * it waits, and the worker that runs the approved tool dies right after it ran; the run still ends
 * with the tool run exactly once.
 */
let fake: FakeOpenAI;
let api: TestServer;
const startWorker = useApiWithWorkerProcesses((parts) => ({ fake, api } = parts));

describe('approval and worker deaths', () => {
  it('runs the approved tool exactly once although the workers are killed before and right after it', async () => {
    const user = await signUpUser(api, 'Survivor');
    await setPolicy(api, user, { tool: 'remember', policy: 'ASK' });
    const thread = await directThreadOf(api, user);
    const sub = await watchApprovals(api, user, thread);
    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'remember', arguments: JSON.stringify({ content: 'exactly once' }) }] },
      // After the approval: the answer streams slowly (the worker is killed meanwhile)…
      { kind: 'text', chunks: Array.from({ length: 100 }, (_, i) => `slow${i} `), delayMs: 100 },
      // …and the recovered attempt answers at once.
      { kind: 'text', chunks: ['Saved, once.'] },
    );

    const first = startWorker();
    await first.waitFor(/worker started/);
    const runId = (await send(api, user, thread, 'Remember this exactly once')).runs[0].id;
    const asked = await eventOf(sub, pendingApproval, 30_000);
    await until(async () => (await jobsOfRun(api, runId)) === 0, 10_000);
    first.child.kill('SIGKILL'); // dies while the run waits: nothing to recover, no job held
    await first.exited;

    const approved = (await gqlAs(api, user, APPROVE, { input: { approvalId: asked.approval.id } })).approveToolCall;
    expect(approved.__typename).toBe('ToolApprovalDecision');
    const second = startWorker();
    // The tool ran and the answer is streaming: kill this worker too.
    await until(async () => (await memoriesWith(api, "exactly once")) === 1, 30_000);
    await waitFor(() => fake.requests.length >= 2, 30_000); // the slow answer after the tool has started
    second.child.kill('SIGKILL');
    await second.exited;

    const third = startWorker();
    await third.waitFor(/recovering a run whose worker stopped/, 30_000);
    const run = await waitForRun(api, user, runId, ['SUCCEEDED', 'FAILED', 'CANCELLED'], 30_000);
    expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'Saved, once.' } });
    expect(await memoriesWith(api, 'exactly once')).toBe(1);
    const { rows } = await sql<{ n: string }>`select count(*) as n from run_steps where tool_name = 'remember' and status = 'succeeded'`.execute(api.app.services.db);
    expect(Number(rows[0]!.n)).toBe(1);
    sub.stop();
  }, 90_000);
});
