import { describe, expect, it } from 'vitest';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, finalReplyOf, runOf, send, until, useServerWithFakeModel, waitForRun, watchThread } from '../helpers/agents.ts';


type Data = Record<string, any>;
const ROUTER_TIMEOUT_MS = 400;
const env = useServerWithFakeModel({ AGENT_MAX_STEPS: '2', ROUTER_TIMEOUT_MS: String(ROUTER_TIMEOUT_MS), MODEL_MAX_RETRIES: '3' });

const c = (choices: unknown, extra: Record<string, unknown> = {}) => ({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra });
const delta = (d: Record<string, unknown>, finish: string | null = null) => c([{ index: 0, delta: d, finish_reason: finish }]);
const REPLY = `query($id: ID!) { node(id: $id) { ... on Run { status error promptTokens completionTokens reply { body status error finishReason } steps { toolName toolCallId: input } } } }`;

async function reply(user: Data, runId: string): Promise<Data> {
  return (await gqlAs(env.server, user as never, REPLY, { id: runId })).node;
}

describe('how a reply ended is data (Message.finishReason)', () => {
  it('a normal answer is STOP; one the model cut off is LENGTH, and "continue" makes the same teammate carry on where it stopped', async () => {
    const { fake, server } = env;
    const user = await signUpUser(server, 'Cutter');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'raw', chunks: [delta({ content: 'The three risks are: first, the supplier in Zürich might' }), delta({}, 'length'), c([], { usage: { prompt_tokens: 9, completion_tokens: 12 } })] });
    const cut = await send(server, user, thread, 'List the risks');
    const first = await waitForRun(server, user, cut.runs[0].id);
    expect(first.status).toBe('SUCCEEDED');
    expect(await reply(user, cut.runs[0].id)).toMatchObject({
      completionTokens: 12,
      reply: { body: 'The three risks are: first, the supplier in Zürich might', status: 'COMPLETE', finishReason: 'LENGTH' },
    });

    fake.enqueue({ kind: 'text', chunks: [' be late; second, the price.'] });
    const before = fake.requests.length;
    const more = await send(server, user, thread, 'continue');
    await waitForRun(server, user, more.runs[0].id);
    const system = fake.requests[before]!.messages[0].content as string;
    expect(system).toContain('Your previous reply was cut off');
    expect(system).toContain('the supplier in Zürich might»');
    expect((await reply(user, more.runs[0].id)).reply).toMatchObject({ body: 'be late; second, the price.', finishReason: 'STOP' });
    // The cut-off reply is over now: the next turn is not told about it again.
    fake.enqueue({ kind: 'text', chunks: ['Fine.'] });
    const next = await send(server, user, thread, 'Thanks');
    await waitForRun(server, user, next.runs[0].id);
    expect(fake.requests.at(-1)!.messages[0].content).not.toContain('cut off');
  });

  it('"continue" in a team thread goes to the teammate who was cut off, without asking the router', async () => {
    const { fake, server } = env;
    const user = await signUpUser(server, 'TeamCut');
    const hire = async (key: string) => (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id name } } }', { k: key })).hireTeammate;
    const writer = await hire('writer');
    const researcher = await hire('researcher');
    const { createThread } = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Cut" }) { ... on CreateThreadPayload { thread { id } } } }', { t: [writer.id, researcher.id] });
    const thread = createThread.thread.id;
    fake.enqueue({ kind: 'raw', chunks: [delta({ content: 'Amara cut' }, 'length')] });
    const first = await send(server, user, thread, `@${researcher.name} tell me everything`);
    await waitForRun(server, user, first.runs[0].id);
    fake.enqueue({ kind: 'text', chunks: ['…and the rest.'] });
    const before = fake.requests.length;
    const more = await send(server, user, thread, 'Go on.');
    expect(more.runs.map((r: Data) => r.teammate.name)).toEqual([researcher.name]);
    await waitForRun(server, user, more.runs[0].id);
    expect(fake.requests.length - before).toBe(1); // the answer only: no routing call
  });

  it('an empty content_filter reply is FAILED with CONTENT_FILTER and says why — never "(I have nothing to add.)"', async () => {
    const { fake, server } = env;
    const user = await signUpUser(server, 'Filtered');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'raw', chunks: [delta({ role: 'assistant', content: '' }), delta({}, 'content_filter')] });
    const sent = await send(server, user, thread, 'Something the filter blocks');
    await waitForRun(server, user, sent.runs[0].id);
    const { reply: msg, status } = await reply(user, sent.runs[0].id);
    expect(status).toBe('FAILED');
    expect(msg).toEqual({ body: '', status: 'FAILED', finishReason: 'CONTENT_FILTER', error: 'The model service’s content filter withheld this reply.' });
  });

  it('a turn that used every step with tools ends TOOL_LIMIT', async () => {
    const { fake, server } = env;
    const user = await signUpUser(server, 'Looper');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'tools', calls: [{ name: 'recall', arguments: '{"query":"x"}' }] }, { kind: 'text', chunks: ['Done looking.'] });
    const sent = await send(server, user, thread, 'Look it up');
    await waitForRun(server, user, sent.runs[0].id);
    expect((await reply(user, sent.runs[0].id)).reply).toMatchObject({ body: 'Done looking.', finishReason: 'TOOL_LIMIT' });
  });

  it('the reported stream shapes end to end: a choices:null usage chunk records tokens; a tool call whose pieces repeat the name and lack an id runs once with a real id', async () => {
    const { fake, server } = env;
    const user = await signUpUser(server, 'Dialects');
    const thread = await directThreadOf(server, user);
    fake.enqueue(
      {
        kind: 'raw',
        chunks: [
          delta({ tool_calls: [{ index: 0, type: 'function', function: { name: 'recall', arguments: '{"query":' } }] }),
          delta({ tool_calls: [{ index: 0, type: 'function', function: { name: 'recall', arguments: '"tea"}' } }] }),
          delta({}, 'tool_calls'),
          c(null, { usage: { prompt_tokens: 30, completion_tokens: 4, total_tokens: 34 } }),
        ],
      },
      { kind: 'raw', chunks: [delta({ content: 'Nothing about tea.' }), delta({}, 'stop'), c(null, { usage: { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 } })], done: false },
    );
    const before = fake.requests.length;
    const sent = await send(server, user, thread, 'What do you know about tea?');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', promptTokens: 70, completionTokens: 9, reply: { body: 'Nothing about tea.' } });
    expect(run.steps.map((s: Data) => s.toolName)).toEqual(['recall']);
    const second = fake.requests[before + 1]!.messages as Data[];
    const assistant = second.find((m) => m.role === 'assistant' && m.tool_calls)!;
    const tool = second.find((m) => m.role === 'tool')!;
    expect(assistant.tool_calls[0]).toMatchObject({ type: 'function', function: { name: 'recall', arguments: '{"query":"tea"}' } });
    expect(assistant.tool_calls[0].id).toMatch(/^call_./);
    expect(tool.tool_call_id).toBe(assistant.tool_calls[0].id);
  });
});

describe('text a model writes', () => {
  it('NUL and other controls from the model are dropped (PostgreSQL cannot store NUL), the reply completes', async () => {
    const { fake, server } = env;
    const user = await signUpUser(server, 'NulModel');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'text', chunks: ['a\u0000b', ' \u202Ec\u0007d'] });
    const sent = await send(server, user, thread, 'Say something odd');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'ab cd', status: 'COMPLETE' } });
  });
});

describe('final text before final state', () => {
  it('a cancelled reply shows its final status once, with all the text that streamed — never partial text that fills in later', async () => {
    const { fake, server } = env;
    const user = await signUpUser(server, 'FinalText');
    const thread = await directThreadOf(server, user);
    const sub = await watchThread(server, user, thread);
    fake.enqueue({ kind: 'endless', intervalMs: 15 });
    const sent = await send(server, user, thread, 'Talk until I stop you');
    const runId = sent.runs[0].id;
    await until(sub, (e) => e.__typename === 'MessageDeltaEvent');
    await gqlAs(server, user, 'mutation($id: ID!) { cancelRun(input: { runId: $id }) { __typename } }', { id: runId });
    const events = await until(sub, finalReplyOf(runId));
    const final = events.find(finalReplyOf(runId))!;
    expect(final.message.status).toBe('CANCELLED');
    const streamed = events.filter((e) => e.__typename === 'MessageDeltaEvent' && e.messageId === final.message.id).map((e) => e.delta).join('');
    expect(streamed.length).toBeGreaterThan(0);
    expect(final.message.body).toBe(streamed.trim());
    // Once the worker is done, nothing changed it afterwards.
    await waitFor(() => !server.app.agents.activeRunIds.includes(runId));
    const stored = (await runOf(server, user, runId)).reply;
    expect(stored).toMatchObject({ status: 'CANCELLED', body: final.message.body });
    expect(sub.events.map((e) => e.threadEvents).filter(finalReplyOf(runId))).toHaveLength(1);
    sub.stop();
  });
});

describe('bounded routing', () => {
  it('a router that gets 500s does not hold up sendMessage beyond ROUTER_TIMEOUT_MS (retries included); the fallback answers', async () => {
    const { fake, server } = env;
    const user = await signUpUser(server, 'SlowRouter');
    const hire = async (key: string) => (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id name } } }', { k: key })).hireTeammate;
    const writer = await hire('writer');
    const researcher = await hire('researcher');
    const { createThread } = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Outage" }) { ... on CreateThreadPayload { thread { id leadTeammate { name } } } } }', { t: [writer.id, researcher.id] });
    // The SDK honours retry-after: it would sleep 5 s before retrying, deaf to the abort.
    fake.enqueue({ kind: 'error', status: 500, retryAfterSeconds: 5 }, { kind: 'text', chunks: ['Here.'] });
    const started = performance.now();
    const sent = await send(server, user, createThread.thread.id, 'Anyone around?');
    const elapsed = performance.now() - started;
    expect(sent.runs.map((r: Data) => r.teammate.name)).toEqual([createThread.thread.leadTeammate.name]);
    // A ceiling, not a measurement: without the bound the SDK's retry wait alone takes 5 s.
    expect(elapsed).toBeLessThan(ROUTER_TIMEOUT_MS + 1_500);
    await waitForRun(server, user, sent.runs[0].id);
  });
});
