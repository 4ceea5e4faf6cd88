import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, runEndOf, send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
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

const EVENTS = `subscription($id: ID!) { threadEvents(threadId: $id) {
  __typename
  ... on RunEvent { status progress { stage percent message } run { id } }
  ... on MessageEvent { message { status run { id } } }
} }`;
const PROGRESS = 'query($id: ID!) { node(id: $id) { ... on Run { id status progress { stage percent message } } } }';

describe('progress while working', () => {
  it('report_progress in an ordinary reply: a RunEvent with progress while running, kept on Run.progress; bad input refused to the model', async () => {
    const user = await signUpUser(server, 'Watcher');
    const thread = await directThreadOf(server, user);
    const before = server.app.services.bus.listenerCount();
    const sub = collect<Data>(server.wsClient({ token: user.token }), EVENTS, { id: thread });
    await waitFor(() => server.app.services.bus.listenerCount() > before || sub.errors.length > 0, 'the server to listen');

    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'report_progress', arguments: JSON.stringify({ stage: 'drafting', percent: 40, message: 'Drafting three options.' }) }] },
      { kind: 'tools', calls: [{ name: 'report_progress', arguments: JSON.stringify({ stage: 'checking', percent: 150, message: 'Too far.' }) }] },
      { kind: 'tools', calls: [{ name: 'report_progress', arguments: JSON.stringify({ stage: 'checking', message: 'Checking the figures.' }) }] },
      { kind: 'text', chunks: ['Here are the options.'] },
    );
    const sent = await send(server, user, thread, 'Give me three options');
    const runId = sent.runs[0].id;
    await waitFor(() => sub.events.some((e) => runEndOf(runId)(e.threadEvents)) || sub.errors.length > 0, 'the run to end');
    expect(sub.errors).toEqual([]);
    const events = sub.events.map((e) => e.threadEvents);
    const runEvents = events.filter((e) => e.__typename === 'RunEvent' && e.run.id === runId);
    expect(runEvents.map((e) => [e.status, e.progress])).toEqual([
      ['QUEUED', null],
      ['RUNNING', null],
      ['RUNNING', { stage: 'drafting', percent: 40, message: 'Drafting three options.' }],
      ['RUNNING', { stage: 'checking', percent: null, message: 'Checking the figures.' }],
      ['SUCCEEDED', null],
    ]);
    // Progress comes before the final answer.
    const final = events.findIndex((e) => e.__typename === 'MessageEvent' && e.message.run?.id === runId && e.message.status === 'COMPLETE');
    expect(events.indexOf(runEvents[3]!)).toBeLessThan(final);
    // The model was told the out-of-range percentage was refused.
    const toolMessages = fake.requests.flatMap((r) => r.messages).filter((m: Data) => m.role === 'tool');
    expect(toolMessages.some((m: Data) => /percent/i.test(String(m.content)))).toBe(true);

    await waitForRun(server, user, runId);
    const { node } = await gqlAs(server, user, PROGRESS, { id: runId });
    expect(node).toMatchObject({ status: 'SUCCEEDED', progress: { stage: 'checking', percent: null, message: 'Checking the figures.' } });
    // Offered in every run, not only goal tasks.
    const request = fake.requests.find((r) => r.messages.at(-1)?.content === '[Watcher]: Give me three options');
    expect(request!.tools.map((t: Data) => t.function.name)).toContain('report_progress');
    expect(request!.tools.map((t: Data) => t.function.name)).not.toContain('complete_task');
    sub.stop();

    // Another organisation sees neither the run nor its progress.
    const stranger = await signUpUser(server, 'Stranger');
    expect((await gqlAs(server, stranger, PROGRESS, { id: runId })).node).toBeNull();
  });
});
