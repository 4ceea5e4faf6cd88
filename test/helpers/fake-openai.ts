import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer of the fake model server; with `when`, only for a request whose last message contains it. */
export type Script = (

  | { kind: 'text'; chunks: string[]; delayMs?: number; usage?: { prompt: number; completion: number } }
  /** Tool calls, after `text` chunks when given (what a model says before it calls tools, e.g. its plan). */
  | { kind: 'tools'; calls: Array<{ name: string; arguments: string }>; text?: string[] }
  /** An error response; with `retryAfterSeconds`, a `retry-after` header (the SDK then waits that long before retrying). */
  | { kind: 'error'; status: number; message?: string; retryAfterSeconds?: number }
  /**
   * Streams exactly these chunks (objects are sent as `data: <json>`, strings verbatim), then
   * `[DONE]` unless `done` is false: for the dialects of other OpenAI-compatible servers.
   */
  | { kind: 'raw'; chunks: Array<Record<string, unknown> | string>; done?: boolean }
  /** Streams a chunk every `intervalMs` until the client goes away. */
  | { kind: 'endless'; intervalMs: number }
  /** Streams these chunks, then drops the connection (no finish, no usage). */
  | { kind: 'cut'; chunks: string[] }
) & { when?: string };

export interface FakeOpenAI {
  baseUrl: string;
  /** Bodies of the chat completion requests received, in order. */
  requests: Array<Record<string, any>>;
  /** Path (with query) and headers of each of those requests. */
  calls: Array<{ url: string; headers: Record<string, string | string[] | undefined> }>;
  /** How many streams the client closed before the server finished them. */
  abortedStreams: number;
  /** Bodies of the image generation requests (`POST /images/generations`), answered with `n` tiny PNGs. */
  imageRequests: Array<Record<string, any>>;
  enqueue(...scripts: Script[]): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server speaking the OpenAI Chat Completions wire protocol (SSE streaming, tool-call
 * fragments, usage chunk, error bodies), answering from a script. Stands in for the model in tests.
 */
export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: Script[] = [];
  const state = { requests: [] as Array<Record<string, any>>, calls: [] as FakeOpenAI['calls'], abortedStreams: 0, imageRequests: [] as Array<Record<string, any>> };
  const server: Server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url?.includes('/images/generations')) {
      const body = JSON.parse(await readBody(req)) as Record<string, any>;
      state.imageRequests.push(body);
      const data = Array.from({ length: Number(body.n ?? 1) }, () => ({ b64_json: TINY_PNG }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: Math.floor(Date.now() / 1000), data }));
      return;
    }
    if (req.method !== 'POST' || !req.url?.includes('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(await readBody(req)) as Record<string, any>;
    state.requests.push(body);
    state.calls.push({ url: req.url, headers: req.headers });
    const last = JSON.stringify(body.messages?.at(-1)?.content ?? '');
    const index = queue.findIndex((s) => s.when === undefined || last.includes(s.when));
    const script = (index >= 0 ? queue.splice(index, 1)[0] : undefined) ?? { kind: 'text', chunks: ['(no script)'] };
    await answer(script, body, res, () => (state.abortedStreams += 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    get calls() {
      return state.calls;
    },
    get abortedStreams() {
      return state.abortedStreams;
    },
    get imageRequests() {
      return state.imageRequests;
    },
    enqueue: (...scripts) => queue.push(...scripts),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A 1×1 PNG (what the fake images API draws). */
export const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null, usage?: Record<string, number>) {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  })}\n\n`;
}

async function answer(script: Script, body: Record<string, any>, res: ServerResponse, onAbort: () => void) {
  const model = String(body.model ?? 'fake');
  if (script.kind === 'error') {
    res.writeHead(script.status, { 'content-type': 'application/json', ...(script.retryAfterSeconds ? { 'retry-after': String(script.retryAfterSeconds) } : {}) });
    res.end(JSON.stringify({ error: { message: script.message ?? `scripted ${script.status}`, type: 'fake_error', code: null } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let closed = false;
  res.on('close', () => {
    if (!res.writableEnded) {
      closed = true;
      onAbort();
    }
  });
  const send = (text: string) => !closed && res.write(text);
  if (script.kind === 'raw') {
    for (const c of script.chunks) send(typeof c === 'string' ? c : `data: ${JSON.stringify(c)}\n\n`);
    if (script.done !== false) send('data: [DONE]\n\n');
    if (!closed) res.end();
    return;
  }
  send(chunk(model, { role: 'assistant', content: '' }));
  if (script.kind === 'text') {
    for (const text of script.chunks) {
      if (script.delayMs) await new Promise((r) => setTimeout(r, script.delayMs));
      send(chunk(model, { content: text }));
    }
    send(chunk(model, {}, 'stop'));
    const usage = script.usage ?? { prompt: 10, completion: script.chunks.length };
    send(chunk(model, {}, null, { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion }));
  } else if (script.kind === 'tools') {
    for (const text of script.text ?? []) send(chunk(model, { content: text }));
    script.calls.forEach((c, index) => {
      // Fragments as real servers send them: id and name first, arguments in pieces.
      send(chunk(model, { tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: c.name, arguments: '' } }] }));
      const half = Math.ceil(c.arguments.length / 2);
      for (const part of [c.arguments.slice(0, half), c.arguments.slice(half)]) {
        send(chunk(model, { tool_calls: [{ index, function: { arguments: part } }] }));
      }
    });
    send(chunk(model, {}, 'tool_calls'));
    send(chunk(model, {}, null, { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 }));
  } else if (script.kind === 'cut') {
    for (const text of script.chunks) send(chunk(model, { content: text }));
    await new Promise((r) => setTimeout(r, 20));
    res.destroy();
    return;
  } else {
    while (!closed) {
      send(chunk(model, { content: 'and more ' }));
      await new Promise((r) => setTimeout(r, script.intervalMs));
    }
    return;
  }
  if (!closed) {
    res.write('data: [DONE]\n\n');
    res.end();
  }
}
