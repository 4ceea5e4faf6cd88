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

  it('keeps "here is my plan" as an intermediate message of the run, typing on, then the final answer as its own message', async () => {
    const user = await signUpUser(server, 'Planner');
    const thread = await directThreadOf(server, user);
    const before = server.app.services.bus.listenerCount();
    const sub = collect<Data>(server.wsClient({ token: user.token }), PLAN_EVENTS, { id: thread });
    await waitFor(() => server.app.services.bus.listenerCount() > before || sub.errors.length > 0, 'the server to listen');

    fake.enqueue(
      { kind: 'tools', text: ["I'll draft three ", 'options, then check them.'], calls: [{ name: 'report_progress', arguments: JSON.stringify({ stage: 'drafting', message: 'Drafting.' }) }] },
      { kind: 'text', chunks: ['\n\n', 'Option A, B and C.'] },
    );
    const sent = await send(server, user, thread, 'Plan then answer');
    const runId = sent.runs[0].id;
    await waitFor(() => sub.events.some((e) => runEndOf(runId)(e.threadEvents)) || sub.errors.length > 0, 'the run to end');
    expect(sub.errors).toEqual([]);
    const events = sub.events.map((e) => e.threadEvents);

    const { thread: read } = await gqlAs(server, user, `query($id: ID!) { thread(id: $id) { messages(first: 10) { edges { node { id body status intermediate run { id } } } } } }`, { id: thread });
    const ofRun = read.messages.edges.map((e: Data) => e.node).filter((m: Data) => m.run?.id === runId);
    expect(ofRun.map((m: Data) => [m.body, m.status, m.intermediate])).toEqual([
      ["I'll draft three options, then check them.", 'COMPLETE', true],
      ['Option A, B and C.', 'COMPLETE', false],
    ]);
    const [plan, answer] = ofRun;
    // The plan was complete while the run was still RUNNING (typing on), before the answer began.
    const planDone = events.findIndex((e) => e.__typename === 'MessageEvent' && e.message.id === plan.id && e.message.status === 'COMPLETE');
    const answerOpened = events.findIndex((e) => e.__typename === 'MessageEvent' && e.message.id === answer.id);
    const runEnded = events.findIndex(runEndOf(runId));
    expect(planDone).toBeGreaterThan(-1);
    expect(planDone).toBeLessThan(answerOpened);
    expect(answerOpened).toBeLessThan(runEnded);
    expect(events.slice(0, runEnded).filter((e) => e.__typename === 'RunEvent' && e.run.id === runId).at(-1).status).toBe('RUNNING');
    // Deltas of the answer name the new message, from offset 0.
    const answerDeltas = events.filter((e) => e.__typename === 'MessageDeltaEvent' && e.messageId === answer.id);
    expect(answerDeltas[0]?.offset).toBe(0);
    // Run.reply is the final answer; the model heard its own plan with the tool call.
    const { node } = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Run { reply { id } output } } }', { id: runId });
    expect(node).toMatchObject({ reply: { id: answer.id } });
    const second = fake.requests.find((r) => r.messages.some((m: Data) => m.role === 'assistant' && m.content === "I'll draft three options, then check them."));
    expect(second!.messages.at(-1).role).toBe('tool');
    sub.stop();
  });

  it('without more to say after its tools, the plan text stays the one reply', async () => {
    const user = await signUpUser(server, 'Terse');
    const thread = await directThreadOf(server, user);
    fake.enqueue(
      { kind: 'tools', text: ['Noting it down.'], calls: [{ name: 'report_progress', arguments: JSON.stringify({ stage: 'noting', message: 'Noting.' }) }] },
      { kind: 'text', chunks: ['  '] },
    );
    const sent = await send(server, user, thread, 'Just note it');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run.status).toBe('SUCCEEDED');
    const { thread: read } = await gqlAs(server, user, `query($id: ID!) { thread(id: $id) { messages(first: 10) { edges { node { body intermediate run { id } } } } } }`, { id: thread });
    const ofRun = read.messages.edges.map((e: Data) => e.node).filter((m: Data) => m.run?.id === sent.runs[0].id);
    expect(ofRun).toEqual([{ body: 'Noting it down.', intermediate: false, run: { id: sent.runs[0].id } }]);
  });
});

const PLAN_EVENTS = `subscription($id: ID!) { threadEvents(threadId: $id) {
  __typename
  ... on RunEvent { status run { id } }
  ... on MessageEvent { message { id status body intermediate run { id } } }
  ... on MessageDeltaEvent { messageId offset delta }
} }`;
