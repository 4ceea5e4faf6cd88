import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, finalReplyOf, send, until, waitForRun, watchThread } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import { useApiWithWorkerProcesses } from '../helpers/worker-processes.ts';
import type { TestServer } from '../helpers/server.ts';
import { gqlAs, waitFor } from '../helpers/kit.ts';

/**
 * A worker process killed mid-turn (SIGKILL: no cleanup at all) and another started: the run is
 * recovered and ends with exactly one complete reply.
 */
let fake: FakeOpenAI;
let api: TestServer;
const startWorker = useApiWithWorkerProcesses((parts) => ({ fake, api } = parts));

describe('a worker killed mid-turn', () => {
  it('is recovered by another worker: one complete reply, no run left running', async () => {
    const user = await signUpUser(api, 'Survivor');
    const thread = await directThreadOf(api, user);
    const sub = await watchThread(api, user, thread);
    // The first attempt streams slowly (it will be cut off); the retry answers at once.
    fake.enqueue({ kind: 'text', chunks: Array.from({ length: 100 }, (_, i) => `slow${i} `), delayMs: 100 }, { kind: 'text', chunks: ['Recovered', ' answer.'] });
    const aborted = fake.abortedStreams;

    const first = startWorker();
    await first.waitFor(/worker started/);
    const sent = await send(api, user, thread, 'Please answer even if a worker dies');
    const runId = sent.runs[0].id;
    await until(sub, (e) => e.__typename === 'MessageDeltaEvent' && e.offset > 0);
    first.child.kill('SIGKILL');
    await first.exited;
    await waitFor(() => fake.abortedStreams > aborted, 5_000); // the model request died with the process

    const second = startWorker();
    await second.waitFor(/recovering a run whose worker stopped/, 30_000);
    const events = await until(sub, finalReplyOf(runId), 30_000);
    const final = events.find(finalReplyOf(runId))!;
    expect(final.message).toMatchObject({ status: 'COMPLETE', body: 'Recovered answer.' });

    const run = await waitForRun(api, user, runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', attempt: 2, reply: { id: final.message.id, body: 'Recovered answer.' } });
    const { node } = await gqlAs(api, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 10) { edges { node { authorKind body run { id } } } } } } }', { id: thread });
    const replies = node.messages.edges.map((e: Record<string, any>) => e.node).filter((m: Record<string, any>) => m.authorKind === 'TEAMMATE' && m.run);
    expect(replies).toEqual([{ authorKind: 'TEAMMATE', body: 'Recovered answer.', run: { id: runId } }]);
    const { rows } = await sql<{ n: string }>`select count(*) as n from runs where status in ('queued', 'running')`.execute(api.app.services.db);
    expect(Number(rows[0]!.n)).toBe(0);
    sub.stop();
  }, 60_000);
});
