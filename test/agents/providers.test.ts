import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfflineProvider } from '../../src/models/providers/offline-provider.ts';
import { OpenAIProvider } from '../../src/models/providers/openai-provider.ts';
import { createProvider, modelFor } from '../../src/models/providers/create-provider.ts';
import { parseConfig } from '../../src/config/config.ts';
import { ProviderError, type CompletionRequest, type StreamEvent } from '../../src/models/providers/types.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { waitFor } from '../helpers/kit.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake?.close();
});

async function collectStream(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

const request: CompletionRequest = {
  model: 'gpt-4o-mini',
  persona: { name: 'Noor', role: 'Team generalist' },
  messages: [
    { role: 'system', content: 'You are Noor.' },
    { role: 'user', content: 'Hello there' },
  ],
};

describe('OpenAI-compatible provider (against a real HTTP server speaking the wire protocol)', () => {
  const provider = () => new OpenAIProvider({ apiKey: 'test-key', baseUrl: fake.baseUrl, maxRetries: 2, timeoutMs: 5_000 });

  it('streams text deltas, then usage', async () => {
    fake.enqueue({ kind: 'text', chunks: ['Hel', 'lo', ' Ada'], usage: { prompt: 12, completion: 3 } });
    const events = await collectStream(provider().stream(request, new AbortController().signal));
    expect(events).toEqual([
      { type: 'text', delta: 'Hel' },
      { type: 'text', delta: 'lo' },
      { type: 'text', delta: ' Ada' },
      { type: 'done', toolCalls: [], finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 3 } },
    ]);
    const sent = fake.requests.at(-1)!;
    expect(sent).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
    expect(sent.messages).toEqual([
      { role: 'system', content: 'You are Noor.' },
      { role: 'user', content: 'Hello there' },
    ]);
  });

  it('assembles tool calls from fragments and sends tool definitions', async () => {
    fake.enqueue({ kind: 'tools', calls: [{ name: 'remember', arguments: '{"content":"Ada likes tea"}' }, { name: 'recall', arguments: '{"query":"tea"}' }] });
    const events = await collectStream(
      provider().stream(
        { ...request, tools: [{ name: 'remember', description: 'Keep a note', parameters: { type: 'object', properties: { content: { type: 'string' } } } }] },
        new AbortController().signal,
      ),
    );
    expect(events).toEqual([
      {
        type: 'done',
        finishReason: 'tool_calls',
        toolCalls: [
          { id: 'call_0', name: 'remember', arguments: '{"content":"Ada likes tea"}' },
          { id: 'call_1', name: 'recall', arguments: '{"query":"tea"}' },
        ],
        usage: { promptTokens: 20, completionTokens: 5 },
      },
    ]);
    expect(fake.requests.at(-1)!.tools[0]).toMatchObject({ type: 'function', function: { name: 'remember' } });
  });

  it('retries a 429 and a 503, then succeeds with one answer', async () => {
    const before = fake.requests.length;
    fake.enqueue({ kind: 'error', status: 429 }, { kind: 'error', status: 503 }, { kind: 'text', chunks: ['finally'] });
    const events = await collectStream(provider().stream(request, new AbortController().signal));
    expect(events[0]).toEqual({ type: 'text', delta: 'finally' });
    expect(fake.requests.length - before).toBe(3);
  });

  it('gives up after the last retry with a readable error', async () => {
    fake.enqueue({ kind: 'error', status: 500 }, { kind: 'error', status: 500 }, { kind: 'error', status: 500 });
    await expect(collectStream(provider().stream(request, new AbortController().signal))).rejects.toSatisfy(
      (e: unknown) => e instanceof ProviderError && e.status === 500 && e.message.startsWith('The model service is unavailable (500)'),
    );
    fake.enqueue({ kind: 'error', status: 401, message: 'bad key' });
    await expect(collectStream(provider().stream(request, new AbortController().signal))).rejects.toThrow(
      'The model service refused the API key (401)',
    );
  });

  it('cancelling stops the server-side stream', async () => {
    fake.enqueue({ kind: 'endless', intervalMs: 20 });
    const controller = new AbortController();
    const before = fake.abortedStreams;
    const received: StreamEvent[] = [];
    const done = (async () => {
      for await (const e of provider().stream(request, controller.signal)) received.push(e);
    })();
    await waitFor(() => received.length >= 3);
    controller.abort();
    await done;
    await waitFor(() => fake.abortedStreams === before + 1);
    expect(received.every((e) => e.type === 'text')).toBe(true);
  });
});

describe('offline model', () => {
  const offline = new OfflineProvider();
  const ask = (content: string, tools: string[] = ['pinboard_post', 'remember', 'recall']) =>
    collectStream(
      offline.stream(
        {
          ...request,
          model: 'offline',
          messages: [{ role: 'user', content }],
          tools: tools.map((name) => ({ name, description: name, parameters: { type: 'object' } })),
        },
        new AbortController().signal,
      ),
    );

  it('answers deterministically in the teammate’s voice and says it is offline', async () => {
    const first = await ask('How are we doing on the launch?');
    const second = await ask('How are we doing on the launch?');
    const text = first.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta).join('');
    expect(text).toContain('Noor here, your team generalist.');
    expect(text).toContain('offline model');
    expect(text).toContain('How are we doing on the launch?');
    expect(second).toEqual(first);
  });

  it('drives the tool loop: pin, remember, recall — and reports a tool result', async () => {
    const pin = await ask('pin Launch moved to Friday. Tell marketing.');
    expect(pin).toEqual([
      expect.objectContaining({
        type: 'done',
        finishReason: 'tool_calls',
        toolCalls: [expect.objectContaining({ name: 'pinboard_post', arguments: JSON.stringify({ title: 'Launch moved to Friday', body: 'Launch moved to Friday. Tell marketing.', priority: 'normal' }) })],
      }),
    ]);
    const remember = await ask('Remember that Ada prefers mornings');
    expect(remember[0]).toMatchObject({ toolCalls: [{ name: 'remember', arguments: '{"content":"Ada prefers mornings"}' }] });
    const recall = await ask('What do you remember about Ada?');
    expect(recall[0]).toMatchObject({ toolCalls: [{ name: 'recall', arguments: '{"query":"Ada"}' }] });
    // Without the tool, no tool call: a plain answer.
    expect((await ask('pin this', []))[0]).toMatchObject({ type: 'text' });

    const after = await collectStream(
      offline.stream(
        {
          ...request,
          model: 'offline',
          messages: [
            { role: 'user', content: 'pin Launch moved' },
            { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'pinboard_post', arguments: '{}' }] },
            { role: 'tool', toolCallId: 'c1', content: JSON.stringify({ summary: 'Posted "Launch moved".' }) },
          ],
        },
        new AbortController().signal,
      ),
    );
    expect(after.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta).join('')).toMatch(/^Pinned it to the pinboard\. Posted "Launch moved"\./);
  });

  it('stops when cancelled', async () => {
    const slow = new OfflineProvider({ chunkDelayMs: 20 });
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    for await (const e of slow.stream({ ...request, model: 'offline' }, controller.signal)) {
      events.push(e);
      if (events.length === 2) controller.abort();
    }
    expect(events).toHaveLength(2);
  });
});

describe('choosing the provider from configuration', () => {
  it('Azure OpenAI: deployment URL, api-version and api-key header, streamed like OpenAI', async () => {
    const provider = createProvider(
      parseConfig({ AZURE_OPENAI_ENDPOINT: fake.baseUrl.replace(/\/v1$/, ''), AZURE_OPENAI_API_KEY: 'azure-key', AZURE_OPENAI_DEPLOYMENT: 'team-gpt', AZURE_OPENAI_API_VERSION: '2024-10-21' }),
    );
    expect(provider.name).toBe('azure-openai');
    fake.enqueue({ kind: 'text', chunks: ['From', ' Azure'] });
    const events = await collectStream(provider.stream(request, new AbortController().signal));
    expect(events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta).join('')).toBe('From Azure');
    const call = fake.calls.at(-1)!;
    expect(call.url).toBe('/openai/deployments/team-gpt/chat/completions?api-version=2024-10-21');
    expect(call.headers['api-key']).toBe('azure-key');
  });

  it('OpenAI-compatible servers by base URL, the offline model without any key; models per teammate', () => {
    const compatible = parseConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', DEFAULT_MODEL: 'llama3.1' });
    expect(createProvider(compatible).name).toBe('openai-compatible');
    expect(createProvider(parseConfig({ OPENAI_API_KEY: 'sk-test' })).name).toBe('openai');
    const offline = createProvider(parseConfig({}));
    expect(offline.name).toBe('offline');
    const provider = createProvider(compatible);
    // Catalog teammates follow the installation's model; self-made ones keep their own.
    expect(modelFor(provider, compatible, { model: 'gpt-4o-mini', catalogKey: 'starter' })).toBe('llama3.1');
    expect(modelFor(provider, compatible, { model: 'qwen2.5', catalogKey: null })).toBe('qwen2.5');
    expect(modelFor(provider, compatible, { model: 'gpt-4o-mini', catalogKey: 'starter' }, 'mistral')).toBe('mistral');
    expect(modelFor(offline, compatible, { model: 'qwen2.5', catalogKey: null })).toBe('offline');
  });
});
