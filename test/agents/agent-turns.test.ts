import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, finalReplyOf, runEndOf, runOf, send, until, useServerWithFakeModel, waitForRun, watchThread } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import type { TestServer } from '../helpers/server.ts';
import { makePng, uploadMultipart } from '../helpers/files.ts';
import { gqlAs, waitFor, type Data } from '../helpers/kit.ts';

const model = useServerWithFakeModel({ MODEL_MAX_RETRIES: '2' });
let fake: FakeOpenAI;
let server: TestServer;
beforeAll(() => {
  ({ fake, server } = model);
});


describe('a teammate answers a message', () => {
  it('streams the reply to a graphql-ws subscriber: deltas in order, run events, then the final message with usage', async () => {
    const user = await signUpUser(server, 'Streamer');
    const thread = await directThreadOf(server, user);
    const sub = await watchThread(server, user, thread);
    fake.enqueue({ kind: 'text', chunks: ['Hello', ' Streamer', ', here', ' is', ' the', ' plan.'], delayMs: 40, usage: { prompt: 321, completion: 6 } });
    const before = fake.requests.length;
    const sent = await send(server, user, thread, 'What is the plan?');
    expect(sent.runs).toEqual([{ id: expect.any(String), status: 'QUEUED', teammate: { name: 'Noor' } }]);
    const runId = sent.runs[0].id;
    await until(sub, finalReplyOf(runId));
    const events = await until(sub, runEndOf(runId));

    const statuses = events.filter((e) => e.__typename === 'RunEvent').map((e) => e.status);
    expect(statuses).toEqual(['QUEUED', 'RUNNING', 'SUCCEEDED']);
    const deltas = events.filter((e) => e.__typename === 'MessageDeltaEvent');
    expect(deltas.length).toBeGreaterThan(1); // streamed, not one block
    let text = '';
    for (const d of deltas) {
      expect(d.offset).toBe(text.length); // each delta continues exactly where the last ended
      text += d.delta;
    }
    expect(text).toBe('Hello Streamer, here is the plan.');
    const final = events.find(finalReplyOf(runId))!;
    expect(final.message).toMatchObject({ body: text, status: 'COMPLETE', authorKind: 'TEAMMATE', authorTeammate: { name: 'Noor' } });
    // The reply message was created STREAMING before the first delta, and the deltas name it.
    const created = events.find((e) => e.__typename === 'MessageEvent' && e.created && e.message.run?.id === runId)!;
    expect(created.message.status).toBe('STREAMING');
    expect(events.indexOf(created)).toBeLessThan(events.indexOf(deltas[0]!));
    expect(new Set(deltas.map((d) => d.messageId))).toEqual(new Set([created.message.id]));

    const run = await runOf(server, user, runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', kind: 'REPLY', model: 'gpt-4o-mini', promptTokens: 321, completionTokens: 6, totalTokens: 327, attempt: 1, output: text });
    expect(run.durationMs).toBeGreaterThanOrEqual(200);
    expect(run.throughSeq).toBe(2);
    // The model read the persona, the core directives and the transcript.
    const request = fake.requests[before]!;
    expect(request).toMatchObject({ model: 'gpt-4o-mini', stream: true });
    expect(request.messages[0].role).toBe('system');
    expect(request.messages[0].content).toContain('You are Noor, Team generalist');
    expect(request.messages[0].content).toContain('## Core directives');
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: '[Streamer]: What is the plan?' });
    expect(request.messages.at(-2)).toMatchObject({ role: 'assistant' }); // Noor's greeting
    expect(request.tools.map((t: Data) => t.function.name)).toEqual(expect.arrayContaining(['remember', 'recall', 'thread_history', 'ask_teammate']));

    const usage = await gqlAs(server, user, '{ viewer { currentOrg { usage { runs promptTokens completionTokens totalTokens maxRuns } } } }');
    expect(usage.viewer.currentOrg.usage).toEqual({ runs: 1, promptTokens: 321, completionTokens: 6, totalTokens: 327, maxRuns: null });
    sub.stop();
  });

  it('runs a tool call: a remember call creates a memory, is a visible step, and its result goes back to the model', async () => {
    const user = await signUpUser(server, 'Rememberer');
    const thread = await directThreadOf(server, user);
    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'remember', arguments: JSON.stringify({ content: 'Rememberer prefers tea over coffee' }) }] },
      { kind: 'text', chunks: ['Noted: tea it is.'] },
    );
    const before = fake.requests.length;
    const sent = await send(server, user, thread, 'Remember that I prefer tea');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.reply).toMatchObject({ body: 'Noted: tea it is.', status: 'COMPLETE' });
    expect(run.steps).toEqual([
      {
        position: 1,
        toolName: 'remember',
        input: { content: 'Rememberer prefers tea over coffee' },
        output: { summary: 'Saved to memory: "Rememberer prefers tea over coffee"', data: { id: expect.any(String) } },
        error: null,
        status: 'SUCCEEDED',
        childRun: null,
      },
    ]);
    expect(run.promptTokens).toBe(20 + 10); // both model calls are counted
    const { teammates } = await gqlAs(server, user, '{ teammates { edges { node { name memories { edges { node { content } } } } } } }');
    const noor = teammates.edges.find((e: Data) => e.node.name === 'Noor').node;
    expect(noor.memories.edges.map((e: Data) => e.node.content)).toContain('Rememberer prefers tea over coffee');
    const second = fake.requests[before + 1]!;
    expect(second.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ function: { name: 'remember' } }] });
    expect(JSON.parse(second.messages.at(-1).content)).toMatchObject({ summary: expect.stringContaining('Saved to memory') });
    // The next turn carries the note in its system prompt.
    fake.enqueue({ kind: 'text', chunks: ['Tea.'] });
    const next = await send(server, user, thread, 'What do I drink?');
    await waitForRun(server, user, next.runs[0].id);
    expect(fake.requests.at(-1)!.messages[0].content).toContain('## Your memory notes\n- Rememberer prefers tea over coffee');
  });

  it('reports a bad tool call to the model instead of crashing, and bounds the tool loop', async () => {
    const user = await signUpUser(server, 'Looper');
    const thread = await directThreadOf(server, user);
    const loop = { kind: 'tools' as const, calls: [{ name: 'recall', arguments: '{"query": "anything"}' }] };
    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'no_such_tool', arguments: '{}' }, { name: 'remember', arguments: '{"content": ""}' }] },
      ...Array.from({ length: 6 }, () => loop),
      { kind: 'text', chunks: ['Giving up on tools.'] },
    );
    const before = fake.requests.length;
    const sent = await send(server, user, thread, 'Loop forever please');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.steps[0]).toMatchObject({ toolName: 'no_such_tool', status: 'FAILED', error: expect.stringContaining('unknown tool') });
    expect(run.steps[1]).toMatchObject({ toolName: 'remember', status: 'FAILED', error: expect.stringContaining('invalid arguments: content') });
    expect(run.steps).toHaveLength(2 + 6);
    // AGENT_MAX_STEPS (8) model calls, the last one offered no tools so it had to answer.
    const calls = fake.requests.slice(before);
    expect(calls).toHaveLength(8);
    expect(calls.at(-1)!.tools).toBeUndefined();
    expect(calls[0]!.tools).toBeDefined();
    expect(JSON.parse(calls[1]!.messages.at(-1).content)).toEqual({ error: expect.stringContaining('invalid arguments') });
    expect(run.reply.body).toBe('Giving up on tools.');
  });
});

describe('attachments', () => {
  it('hands attached files to the model: their text under the message, images as image parts for a vision model', async () => {
    const user = await signUpUser(server, 'Attacher');
    const thread = await directThreadOf(server, user);
    const upload = async (name: string, bytes: Uint8Array | string, type: string) => {
      const { id } = (await uploadMultipart(server, user.token, { name, bytes, type })).data!.uploadFile;
      await waitFor(async () => (await gqlAs(server, user, 'query($id: ID!) { file(id: $id) { status } }', { id })).file.status === 'READY', name);
      return id as string;
    };
    const notes = await upload('notes.md', '# Launch\nThe launch moves to **March 3rd**.', 'text/markdown');
    const chart = await upload('chart.png', makePng(new Uint8Array([9, 9, 9])), 'image/png');
    fake.enqueue({ kind: 'text', chunks: ['March 3rd, and the chart is up.'] });
    const before = fake.requests.length;
    const sent = await send(server, user, thread, 'When is the launch? See the files.', { fileIds: [notes, chart] });
    await waitForRun(server, user, sent.runs[0].id);
    const last = fake.requests[before]!.messages.at(-1);
    expect(last.role).toBe('user');
    const [text, image] = last.content;
    expect(text.type).toBe('text');
    expect(text.text).toMatch(/^\[Attacher\]: When is the launch\? See the files\.\n\n\[Attached file "notes\.md" \(text\/markdown\), id [0-9a-f-]{36}\]\n/);
    expect(text.text).toContain('The launch moves to **March 3rd**.');
    expect(text.text).toContain('[Attached file "chart.png" (image/png)');
    expect(image).toEqual({ type: 'image_url', image_url: { url: expect.stringMatching(/^data:image\/png;base64,/) } });
  });
});

describe('long threads', () => {
  it('folds older messages into a saved summary instead of silently cutting them', async () => {
    const user = await signUpUser(server, 'Talker');
    const { teammates } = await gqlAs(server, user, '{ teammates { edges { node { id name } } } }');
    const noor = teammates.edges[0].node.id;
    const { createThread } = await gqlAs(server, user, 'mutation { createThread(input: { kind: TEAM, teammateIds: [], title: "Long" }) { ... on CreateThreadPayload { thread { id } } } }');
    const thread = createThread.thread.id;
    for (let i = 1; i <= 45; i += 1) await send(server, user, thread, `Point ${i}: we agreed on item ${i}.`);
    await gqlAs(server, user, 'mutation($id: ID!, $t: [ID!]) { updateThread(input: { threadId: $id, addTeammateIds: $t }) { __typename } }', { id: thread, t: [noor] });
    fake.enqueue({ kind: 'text', chunks: ['Summary: items 1 to 26 were agreed.'], usage: { prompt: 900, completion: 12 } }, { kind: 'text', chunks: ['We agreed on all items.'] });
    const before = fake.requests.length;
    const sent = await send(server, user, thread, '@Noor what did we agree?');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run.status).toBe('SUCCEEDED');
    const [summaryCall, replyCall] = fake.requests.slice(before);
    expect(summaryCall!.messages[0].content).toContain('running summary');
    expect(summaryCall!.messages[1].content).toContain('Talker: Point 1: we agreed on item 1.');
    expect(summaryCall!.messages[1].content).not.toContain('Point 27:');
    expect(replyCall!.messages[0].content).toContain('## Earlier in this thread (summary)\nSummary: items 1 to 26 were agreed.');
    const transcript = replyCall!.messages.slice(1).map((m: Data) => m.content);
    expect(transcript[0]).toMatch(/^\[Tmates\]: |^\[Talker\]: Point 27:/); // the newest 20 verbatim
    expect(transcript).toContain('[Talker]: Point 45: we agreed on item 45.');
    expect(transcript).not.toContain('[Talker]: Point 26: we agreed on item 26.');
    const { rows } = await sql<{ through_seq: string; summary: string }>`select through_seq, summary from thread_summaries`.execute(server.app.services.db);
    expect(rows.map((r) => r.summary)).toContain('Summary: items 1 to 26 were agreed.');
    // The summary call is charged too.
    const usage = await gqlAs(server, user, '{ viewer { currentOrg { usage { promptTokens } } } }');
    expect(usage.viewer.currentOrg.usage.promptTokens).toBeGreaterThanOrEqual(900 + 10);
  });
});

describe('failures', () => {
  it('retries a scripted 429 and answers once', async () => {
    const user = await signUpUser(server, 'Patient');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'error', status: 429, message: 'slow down' }, { kind: 'text', chunks: ['Sorry for the wait.'] });
    const before = fake.requests.length;
    const sent = await send(server, user, thread, 'Hello?');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', attempt: 1, reply: { body: 'Sorry for the wait.', status: 'COMPLETE' } });
    expect(fake.requests.length - before).toBe(2);
    const { node } = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 5) { edges { node { authorKind body } } } } } }', { id: thread });
    expect(node.messages.edges.filter((e: Data) => e.node.authorKind === 'TEAMMATE' && e.node.body === 'Sorry for the wait.')).toHaveLength(1);
  });

  it('after the last retry the reply is FAILED with a readable error, and nothing stays running', async () => {
    const user = await signUpUser(server, 'Unlucky');
    const thread = await directThreadOf(server, user);
    const sub = await watchThread(server, user, thread);
    fake.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 503, message: 'overloaded' })));
    const sent = await send(server, user, thread, 'Are you there?');
    await until(sub, finalReplyOf(sent.runs[0].id));
    const events = await until(sub, runEndOf(sent.runs[0].id));
    expect(events.find(finalReplyOf(sent.runs[0].id))!.message).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^The model service is unavailable \(503\)/) });
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run).toMatchObject({ status: 'FAILED', error: expect.stringContaining('unavailable') });
    expect(events.filter((e) => e.__typename === 'RunEvent').map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'FAILED']);
    sub.stop();
  });
});

describe('cancel', () => {
  it('cancelRun aborts the model request (the server sees the connection close) and keeps the partial reply', async () => {
    const user = await signUpUser(server, 'Canceller');
    const thread = await directThreadOf(server, user);
    const sub = await watchThread(server, user, thread);
    fake.enqueue({ kind: 'endless', intervalMs: 30 });
    const aborted = fake.abortedStreams;
    const sent = await send(server, user, thread, 'Talk forever');
    const runId = sent.runs[0].id;
    await until(sub, (e) => e.__typename === 'MessageDeltaEvent');
    const cancelled = await gqlAs(server, user, 'mutation($id: ID!) { cancelRun(input: { runId: $id }) { __typename ... on Run { status viewerCanCancel } } }', { id: runId });
    expect(cancelled.cancelRun).toEqual({ __typename: 'Run', status: 'CANCELLED', viewerCanCancel: false });
    await waitFor(() => fake.abortedStreams > aborted, 5_000);
    const events = await until(sub, (e) => finalReplyOf(runId)(e) && e.message.body.length > 0);
    const final = events.filter(finalReplyOf(runId)).at(-1)!;
    expect(final.message.status).toBe('CANCELLED');
    expect(final.message.body).toMatch(/^and more( and more)*$/);
    expect(events.filter((e) => e.__typename === 'RunEvent').map((e) => e.status)).toEqual(['QUEUED', 'RUNNING', 'CANCELLED']);
    const run = await runOf(server, user, runId);
    expect(run.status).toBe('CANCELLED'); // what it streamed is counted (estimated): see test/billing/spend-of-stopped-runs.test.ts
    expect(server.app.agents.activeRunIds).not.toContain(run.id);
    sub.stop();
  });

  it('"stop" in the thread stops the teammates working there and says so', async () => {
    const user = await signUpUser(server, 'Stopper');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'endless', intervalMs: 30 });
    const aborted = fake.abortedStreams;
    const sent = await send(server, user, thread, 'Write me a novel');
    await waitForRun(server, user, sent.runs[0].id, ['RUNNING']);
    const stop = await send(server, user, thread, 'stop!');
    expect(stop.runs).toEqual([]);
    await waitFor(() => fake.abortedStreams > aborted, 5_000);
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run.status).toBe('CANCELLED');
    const { node } = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 1) { edges { node { authorKind body } } } } } }', { id: thread });
    expect(node.messages.edges[0].node).toEqual({ authorKind: 'SYSTEM', body: 'Stopped Noor as requested.' });
  });
});

describe('busy policy', () => {
  it('QUEUE: messages sent while the teammate answers wait for one next turn, which sees all of them', async () => {
    const user = await signUpUser(server, 'Queuer');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'text', chunks: ['First', ' answer', ' takes', ' a while.'], delayMs: 150 }, { kind: 'text', chunks: ['Both noted.'] });
    const before = fake.requests.length;
    const first = await send(server, user, thread, 'First question');
    await waitForRun(server, user, first.runs[0].id, ['RUNNING']);
    const second = await send(server, user, thread, 'Second question');
    const third = await send(server, user, thread, 'Third question');
    expect(third.runs[0].id).toBe(second.runs[0].id); // the waiting run answers both
    expect(second.runs[0].id).not.toBe(first.runs[0].id);
    const done = await waitForRun(server, user, second.runs[0].id);
    expect(done.reply.body).toBe('Both noted.');
    const calls = fake.requests.slice(before);
    expect(calls).toHaveLength(2);
    const seen = calls[1]!.messages.map((m: Data) => m.content);
    expect(seen).toEqual(expect.arrayContaining(['First answer takes a while.', '[Queuer]: Second question', '[Queuer]: Third question']));
    expect(seen.indexOf('First answer takes a while.')).toBeLessThan(seen.indexOf('[Queuer]: Second question'));
  });

  it('INTERRUPT: a new message cancels the running turn and starts a new one', async () => {
    const user = await signUpUser(server, 'Interrupter');
    const thread = await directThreadOf(server, user);
    await gqlAs(server, user, 'mutation($id: ID!) { updateThread(input: { threadId: $id, busyPolicy: INTERRUPT }) { __typename } }', { id: thread });
    fake.enqueue({ kind: 'endless', intervalMs: 30 }, { kind: 'text', chunks: ['Switching topics.'] });
    const aborted = fake.abortedStreams;
    const first = await send(server, user, thread, 'Long story please');
    await waitForRun(server, user, first.runs[0].id, ['RUNNING']);
    const second = await send(server, user, thread, 'Actually, never mind');
    await waitFor(() => fake.abortedStreams > aborted, 5_000);
    expect((await waitForRun(server, user, first.runs[0].id)).status).toBe('CANCELLED');
    const next = await waitForRun(server, user, second.runs[0].id);
    expect(next).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'Switching topics.' } });
  });
});

describe('who answers in a team thread', () => {
  async function teamThread(name: string) {
    const user = await signUpUser(server, name);
    const hire = async (key: string) =>
      (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id name } } }', { k: key })).hireTeammate;
    const writer = await hire('writer');
    const researcher = await hire('researcher');
    const custom = (
      await gqlAs(
        server,
        user,
        `mutation { createTeammate(input: { name: "Ada Bot", role: "Release manager", personality: "Calm and methodical, keeps a checklist for everything and never rushes a release out of the door.", instructions: "Coordinate releases: checklists, dates, owners. Ask for missing information before committing to a date and say what is blocking." }) { __typename ... on Teammate { id } ... on Error { message } } }`,
      )
    ).createTeammate;
    expect(custom.__typename).toBe('Teammate');
    const { createThread } = await gqlAs(
      server,
      user,
      'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Launch" }) { ... on CreateThreadPayload { thread { id leadTeammate { name } } } } }',
      { t: [writer.id, researcher.id, custom.id] },
    );
    return { user, thread: createThread.thread.id as string };
  }

  it('@mentions pick the responders (case-insensitive, names with spaces, handles), without asking the router', async () => {
    const { user, thread } = await teamThread('Mentioner');
    const before = fake.requests.length;
    const sent = await send(server, user, thread, '@ada bot and @RESEARCHER: what is blocking the release? (cc ops@example.com)');
    expect(sent.runs.map((r: Data) => r.teammate.name)).toEqual(['Ada Bot', 'Amara']);
    fake.enqueue({ kind: 'text', chunks: ['One.'] }, { kind: 'text', chunks: ['Two.'] });
    await Promise.all(sent.runs.map((r: Data) => waitForRun(server, user, r.id)));
    expect(fake.requests.length - before).toBe(2); // two answers, no routing call
  });

  it('without a mention the router model picks one teammate; a bad router answer falls back to the last speaker, else the lead', async () => {
    const { user, thread } = await teamThread('Router');
    fake.enqueue({ kind: 'text', chunks: ['{"teammate":"writer","reason":"drafting"}'] }, { kind: 'text', chunks: ['Draft coming.'] });
    const before = fake.requests.length;
    const routed = await send(server, user, thread, 'Can someone draft the announcement?');
    expect(routed.runs.map((r: Data) => r.teammate.name)).toEqual(['Rohan']);
    const routerCall = fake.requests[before]!;
    expect(routerCall.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'responder' } });
    expect(routerCall.messages[1].content).toContain('- writer: Rohan, Writer & editor');
    await waitForRun(server, user, routed.runs[0].id);

    // Garbage from the router: the last teammate who spoke (Rohan) answers — never everyone.
    fake.enqueue({ kind: 'text', chunks: ['I think everyone should answer!'] }, { kind: 'text', chunks: ['Still me.'] });
    const fallback = await send(server, user, thread, 'And a shorter version?');
    expect(fallback.runs.map((r: Data) => r.teammate.name)).toEqual(['Rohan']);
    await waitForRun(server, user, fallback.runs[0].id);

    // The model service is down: the deterministic fallback still answers.
    fake.enqueue(...Array.from({ length: 3 }, () => ({ kind: 'error' as const, status: 500 })), { kind: 'text', chunks: ['Here.'] });
    const outage = await send(server, user, thread, 'Anyone?');
    expect(outage.runs).toHaveLength(1);
    await waitForRun(server, user, outage.runs[0].id);
    const msg = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Run { triggerMessage { body } } } }', { id: outage.runs[0].id });
    expect(msg.node.triggerMessage.body).toBe('Anyone?');
  });
});

describe('delegation', () => {
  it('ask_teammate runs a child run of another teammate and returns its answer to the caller', async () => {
    const user = await signUpUser(server, 'Delegator');
    await gqlAs(server, user, 'mutation { hireTeammate(input: { catalogKey: "analyst" }) { __typename } }');
    const thread = await directThreadOf(server, user);
    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'ask_teammate', arguments: JSON.stringify({ teammate: 'Freya', question: 'What was Q3 revenue growth?' }) }] },
      { kind: 'text', chunks: ['Q3 grew 12% on Q2.'] },
      { kind: 'text', chunks: ['Freya says Q3 grew 12%.'] },
    );
    const before = fake.requests.length;
    const sent = await send(server, user, thread, 'How did Q3 go? Ask the analyst.');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'Freya says Q3 grew 12%.' } });
    expect(run.childRuns).toEqual([{ id: expect.any(String), kind: 'DELEGATION', status: 'SUCCEEDED', output: 'Q3 grew 12% on Q2.', teammate: { name: 'Freya' } }]);
    expect(run.steps[0]).toMatchObject({ toolName: 'ask_teammate', status: 'SUCCEEDED', childRun: { id: run.childRuns[0].id } });
    const child = await runOf(server, user, run.childRuns[0].id);
    expect(child).toMatchObject({ kind: 'DELEGATION', input: 'What was Q3 revenue growth?', parentRun: { id: run.id }, reply: null, model: 'gpt-4o' }); // the analyst's own model
    const childCall = fake.requests[before + 1]!;
    expect(childCall.messages[0].content).toContain('You are Freya, Data analyst');
    expect(childCall.messages.at(-1).content).toBe('[Noor asks you]: What was Q3 revenue growth?');
    // Only the reply run is listed by default; delegations on request.
    const listed = await gqlAs(server, user, 'query($t: ID!) { runs(threadId: $t, includeDelegations: true) { edges { node { kind } } } }', { t: thread });
    expect(listed.runs.edges.map((e: Data) => e.node.kind)).toEqual(expect.arrayContaining(['REPLY', 'DELEGATION']));
  });
});

describe('resuming mid-answer', () => {
  it('a client that resubscribes with its cursor gets the partial body and continues from the deltas to the same text', async () => {
    const user = await signUpUser(server, 'Resumer');
    const thread = await directThreadOf(server, user);
    const chunks = Array.from({ length: 30 }, (_, i) => `w${i} `);
    fake.enqueue({ kind: 'text', chunks, delayMs: 40 });
    const first = await watchThread(server, user, thread);
    const sent = await send(server, user, thread, 'Count slowly');
    await until(first, (e) => e.__typename === 'MessageDeltaEvent' && e.offset > 20);
    first.stop();
    const cursor = first.events.filter((e) => e.threadEvents.__typename === 'MessageEvent').at(-1)!.threadEvents.cursor;
    await new Promise((r) => setTimeout(r, 300)); // the answer goes on while the client is away

    const resumed = await watchThread(server, user, thread, cursor);
    const runId = sent.runs[0].id;
    const events = await until(resumed, finalReplyOf(runId));
    // What the client had before it went away: the deltas it saw.
    let body = '';
    for (const e of first.events.map((x) => x.threadEvents)) if (e.__typename === 'MessageDeltaEvent' && e.offset === body.length) body += e.delta;
    const had = body.length;
    // After resuming it gets the partial body as a durable STREAMING change (the worker flushed it
    // on request), and from then on every delta continues it with no gap.
    const flushed = events.findIndex((e) => e.__typename === 'MessageEvent' && e.message.run?.id === runId && e.message.status === 'STREAMING');
    expect(flushed).toBeGreaterThanOrEqual(0);
    expect(events[flushed]!.message.body.length).toBeGreaterThan(had);
    const complete = events.findIndex(finalReplyOf(runId));
    for (const e of events.slice(flushed, complete)) {
      if (e.__typename === 'MessageEvent') body = e.message.body;
      if (e.__typename !== 'MessageDeltaEvent') continue;
      expect(e.offset).toBeLessThanOrEqual(body.length);
      body = body.slice(0, e.offset) + e.delta;
    }
    expect(body).toBe(chunks.join(''));
    expect(events[complete]!.message).toMatchObject({ status: 'COMPLETE', body: body.trim() });
    resumed.stop();
  });
});

describe('tenancy', () => {
  it('another organisation cannot see, list, cancel or watch runs', async () => {
    const owner = await signUpUser(server, 'RunOwner');
    const stranger = await signUpUser(server, 'RunStranger');
    const thread = await directThreadOf(server, owner);
    fake.enqueue({ kind: 'endless', intervalMs: 30 });
    const sent = await send(server, owner, thread, 'Secret work');
    const runId = sent.runs[0].id;
    await waitForRun(server, owner, runId, ['RUNNING']);

    expect((await gqlAs(server, stranger, 'query($id: ID!) { node(id: $id) { id } }', { id: runId })).node).toBeNull();
    expect((await gqlAs(server, stranger, '{ runs { edges { node { id } } } }')).runs.edges).toEqual([]);
    const refused = await gqlAs(server, stranger, 'mutation($id: ID!) { cancelRun(input: { runId: $id }) { __typename } }', { id: runId });
    expect(refused.cancelRun.__typename).toBe('NotFoundError');
    expect((await runOf(server, owner, runId)).status).toBe('RUNNING');
    const watch = await server.gql<Data>('query($id: ID!) { node(id: $id) { ... on Run { reply { body } } } }', { id: runId }, { token: stranger.token });
    expect(watch.data!.node).toBeNull();

    await gqlAs(server, owner, 'mutation($id: ID!) { cancelRun(input: { runId: $id }) { __typename } }', { id: runId });
    expect((await waitForRun(server, owner, runId)).status).toBe('CANCELLED');
    const listed = await gqlAs(server, owner, 'query($t: ID!) { runs(threadId: $t, status: CANCELLED) { edges { node { id } } } }', { t: thread });
    expect(listed.runs.edges.map((e: Data) => e.node.id)).toEqual([runId]);
  });

  it('no run is left running or queued once every turn here has ended', async () => {
    await waitFor(() => server.app.agents.activeRunIds.length === 0, 10_000);
    const { rows } = await sql<{ n: string }>`select count(*) as n from runs where status in ('running')`.execute(server.app.services.db);
    expect(Number(rows[0]!.n)).toBe(0);
  });
});
