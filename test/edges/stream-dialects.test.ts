import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIProvider } from '../../src/models/providers/openai-provider.ts';
import type { CompletionRequest, StreamEvent } from '../../src/models/providers/types.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake?.close();
});

const request: CompletionRequest = { model: 'any', messages: [{ role: 'user', content: 'Hi' }] };
const provider = () => new OpenAIProvider({ apiKey: 'k', baseUrl: fake.baseUrl, maxRetries: 0, timeoutMs: 5_000 });

/** A chunk as servers send it; `choices` given as-is (null, [] or a list). */
const c = (choices: unknown, extra: Record<string, unknown> = {}) => ({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices, ...extra });
const delta = (d: Record<string, unknown>, finish: string | null = null) => c([{ index: 0, delta: d, finish_reason: finish }]);
const usage = (prompt: number, completion: number) => ({ prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });

async function read(chunks: Array<Record<string, unknown> | string>, done = true) {
  fake.enqueue({ kind: 'raw', chunks, done });
  const events: StreamEvent[] = [];
  for await (const e of provider().stream(request, new AbortController().signal)) events.push(e);
  const text = events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta).join('');
  const end = events.at(-1) as Extract<StreamEvent, { type: 'done' }>;
  expect(end.type).toBe('done');
  return { text, end };
}

describe('one tolerant reader for OpenAI-style streams', () => {
  it('a final chunk with choices: null carrying usage (the reported case) ends the answer and records the tokens', async () => {
    const { text, end } = await read([delta({ role: 'assistant', content: 'Hello' }), delta({ content: ' there' }), delta({}, 'stop'), c(null, { usage: usage(11, 2) })]);
    expect(text).toBe('Hello there');
    expect(end).toEqual({ type: 'done', toolCalls: [], finishReason: 'stop', usage: { promptTokens: 11, completionTokens: 2 } });
  });

  it('usage-only chunks with empty choices (anywhere), usage on the last text chunk, usage with input/output names', async () => {
    expect((await read([c([], { usage: usage(1, 0) }), delta({ content: 'a' }), c([], { usage: usage(5, 7) })])).end.usage).toEqual({ promptTokens: 5, completionTokens: 7 });
    expect((await read([delta({ content: 'a' }, 'stop'), { ...delta({ content: 'b' }), usage: usage(3, 4) }])).end.usage).toEqual({ promptTokens: 3, completionTokens: 4 });
    expect((await read([delta({ content: 'a' }, 'stop'), c(null, { usage: { input_tokens: 8, output_tokens: 9 } })])).end.usage).toEqual({ promptTokens: 8, completionTokens: 9 });
    // No usage at all: zero, not a crash.
    expect((await read([delta({ content: 'a' }, 'stop')])).end.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
  });

  it('a stream that ends without [DONE], and one without any finish_reason, still ends as a stop', async () => {
    const noDone = await read([delta({ content: 'no ' }), delta({ content: 'done' }, 'stop'), c(null, { usage: usage(2, 2) })], false);
    expect(noDone).toEqual({ text: 'no done', end: { type: 'done', toolCalls: [], finishReason: 'stop', usage: { promptTokens: 2, completionTokens: 2 } } });
    const noFinish = await read([c([{ index: 0, delta: { content: 'plain' } }]), c([{ index: 0, delta: { content: '!' }, finish_reason: null }])], false);
    expect(noFinish.text).toBe('plain!');
    expect(noFinish.end.finishReason).toBe('stop');
  });

  it('finish reasons of other servers: length, max_tokens, content_filter, eos, unknown', async () => {
    expect((await read([delta({ content: 'cut' }, 'length')])).end.finishReason).toBe('length');
    expect((await read([delta({ content: 'cut' }, 'max_tokens')])).end.finishReason).toBe('length');
    expect((await read([delta({}, 'content_filter')])).end.finishReason).toBe('content_filter');
    expect((await read([delta({ content: 'x' }, 'eos')])).end.finishReason).toBe('stop');
    expect((await read([delta({ content: 'x' }, 'weird')])).end.finishReason).toBe('other');
  });

  it('tool-call pieces that repeat the name and carry no id (the reported case): one call named once, with a made id', async () => {
    const { end } = await read([
      delta({ tool_calls: [{ index: 0, type: 'function', function: { name: 'recall', arguments: '{"query":' } }] }),
      delta({ tool_calls: [{ index: 0, type: 'function', function: { name: 'recall', arguments: '"tea"}' } }] }),
      delta({}, 'tool_calls'),
    ]);
    expect(end.toolCalls).toHaveLength(1);
    expect(end.toolCalls[0]).toMatchObject({ name: 'recall', arguments: '{"query":"tea"}' });
    expect(end.toolCalls[0]!.id).toMatch(/^call_[0-9a-f-]{36}$/);
    expect(end.finishReason).toBe('tool_calls');
  });

  it('a name split in pieces is joined; pieces without an index continue the call their id started', async () => {
    const { end } = await read([
      delta({ tool_calls: [{ id: 'a1', type: 'function', function: { name: 'pinboard_', arguments: '' } }] }),
      delta({ tool_calls: [{ function: { name: 'post', arguments: '{"title"' } }] }),
      delta({ tool_calls: [{ function: { arguments: ':"T"}' } }] }),
      delta({ tool_calls: [{ id: 'b2', function: { name: 'recall', arguments: '{}' } }] }),
    ]);
    expect(end.toolCalls).toEqual([
      { id: 'a1', name: 'pinboard_post', arguments: '{"title":"T"}' },
      { id: 'b2', name: 'recall', arguments: '{}' },
    ]);
    expect(end.finishReason).toBe('tool_calls'); // no finish_reason at all, but calls arrived
  });

  it('arguments split at every character, and two calls interleaved by index', async () => {
    const first = '{"content":"Zoë – 東京 🙂"}';
    const second = '{"query":"a,b"}';
    const pieces: Record<string, unknown>[] = [
      delta({ tool_calls: [{ index: 0, id: 'c0', type: 'function', function: { name: 'remember', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 1, id: 'c1', type: 'function', function: { name: 'recall', arguments: '' } }] }),
    ];
    const longest = Math.max(first.length, second.length);
    for (let i = 0; i < longest; i += 1) {
      if (i < first.length) pieces.push(delta({ tool_calls: [{ index: 0, function: { arguments: first[i] } }] }));
      if (i < second.length) pieces.push(delta({ tool_calls: [{ index: 1, function: { arguments: second[i] } }] }));
    }
    pieces.push(delta({}, 'tool_calls'));
    const { end } = await read(pieces);
    expect(end.toolCalls).toEqual([
      { id: 'c0', name: 'remember', arguments: first },
      { id: 'c1', name: 'recall', arguments: second },
    ]);
  });

  it('one index reused with a new id is a second call; Ollama-style object arguments and finish "stop" with calls', async () => {
    const reused = await read([
      delta({ tool_calls: [{ index: 0, id: 'x1', function: { name: 'recall', arguments: '{"query":"a"}' } }] }),
      delta({ tool_calls: [{ index: 0, id: 'x2', function: { name: 'recall', arguments: '{"query":"b"}' } }] }),
      delta({}, 'tool_calls'),
    ]);
    expect(reused.end.toolCalls.map((t) => [t.id, t.arguments])).toEqual([['x1', '{"query":"a"}'], ['x2', '{"query":"b"}']]);
    const ollama = await read([delta({ tool_calls: [{ function: { name: 'recall', arguments: { query: 'tea' } } }] }, 'stop')]);
    expect(ollama.end.finishReason).toBe('tool_calls');
    expect(ollama.end.toolCalls[0]).toMatchObject({ name: 'recall', arguments: '{"query":"tea"}' });
    expect(ollama.end.toolCalls[0]!.id).toMatch(/^call_/);
  });

  it('the legacy function_call delta becomes a tool call; SSE comments and keep-alives are skipped', async () => {
    const { end, text } = await read([': keep-alive\n\n', delta({ function_call: { name: 'recall', arguments: '{"q' } }), delta({ function_call: { arguments: '":1}' } }, 'function_call')]);
    expect(text).toBe('');
    expect(end.toolCalls).toEqual([{ id: expect.stringMatching(/^call_/), name: 'recall', arguments: '{"q":1}' }]);
    expect(end.finishReason).toBe('tool_calls');
  });

  it('asks for usage with stream_options.include_usage, and asks again without it when a server rejects the option', async () => {
    const p = provider();
    fake.enqueue({ kind: 'error', status: 400, message: "Unrecognized request argument supplied: stream_options" }, { kind: 'text', chunks: ['ok'] });
    const before = fake.requests.length;
    const events: StreamEvent[] = [];
    for await (const e of p.stream(request, new AbortController().signal)) events.push(e);
    expect(events[0]).toEqual({ type: 'text', delta: 'ok' });
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.stream_options).toEqual({ include_usage: true });
    expect(sent[1]!.stream_options).toBeUndefined();
  });
});
