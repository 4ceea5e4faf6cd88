import { mkdtempSync, rmSync } from 'node:fs';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import os from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/logger.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, waitForRun } from '../helpers/agents.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { TEST_SECRET, type TestServer } from '../helpers/server.ts';


/** Tracing on (an in-memory exporter in place of OTLP), API and worker in one process, the fake model. */
const exporter = new InMemorySpanExporter();
const logLines: Array<Record<string, unknown>> = [];
let db: TestDatabase;
let fake: FakeOpenAI;
let app: App;
let server: TestServer;
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-tracing-'));

beforeAll(async () => {
  [db, fake] = await Promise.all([createTestDatabase(), startFakeOpenAI()]);
  const config = parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    NODE_ENV: 'test',
    TMATES_SECRET: TEST_SECRET,
    TMATES_HOME: home,
    SHUTDOWN_TIMEOUT_MS: '3000',
    DATABASE_URL: db.url,
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'test-key',
  });
  const logger = createLogger('debug', {}, 1, { write: (line) => void logLines.push(JSON.parse(line)) });
  app = await startApp({ config, logger, http: true, worker: true, spanExporter: exporter });
  const url = `http://127.0.0.1:${app.http!.port}/graphql`;
  // Just what the shared helpers use of a test server: POST an operation.
  server = {
    app,
    url,
    async gql(query: string, variables?: Record<string, unknown>, options: { token?: string } = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { ...((await response.json()) as object), status: response.status, headers: response.headers };
    },
  } as unknown as TestServer;
});

afterAll(async () => {
  await app?.stop();
  await Promise.all([db?.drop(), fake?.close()]);
  rmSync(home, { recursive: true, force: true });
});

const SEND_MESSAGE = `mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) { __typename ... on SendMessagePayload { runs { id } } ... on Error { message } }
}`;

function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

describe('tracing (OpenTelemetry)', () => {
  it('serves no /metrics while METRICS is off', async () => {
    expect((await fetch(server.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
  });

  it('follows one message in one trace: sendMessage → the job on the worker → the model call → the events', async () => {
    const user = await signUpUser(server, 'Tracer');
    const thread = await directThreadOf(server, user);
    exporter.reset();
    fake.enqueue({ kind: 'text', chunks: ['Traced', ' reply.'], usage: { prompt: 42, completion: 2 } });
    const sent = await gqlAs(server, user, SEND_MESSAGE, { input: { threadId: thread, body: 'Can you trace this?' } });
    const runId = sent.sendMessage.runs[0].id;
    await waitForRun(server, user, runId, ['SUCCEEDED']);
    await waitFor(() => exporter.getFinishedSpans().some((s) => s.name === 'process agents__run_turn'));

    const spans = exporter.getFinishedSpans();
    const mutation = spans.find((s) => s.name === 'mutation.SendMessage');
    expect(mutation, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(mutation!.attributes['graphql.execute.operationName']).toBe('SendMessage');
    const traceId = mutation!.spanContext().traceId;

    // The job continues the mutation's trace (its payload carried the traceparent).
    const job = spans.find((s) => s.name === 'process agents__run_turn' && s.spanContext().traceId === traceId);
    expect(job).toBeDefined();
    expect(parentOf(job!)).toBe(mutation!.spanContext().spanId);
    expect(job!.attributes).toMatchObject({ 'messaging.system': 'graphile_worker', 'messaging.destination.name': 'agents__run_turn' });

    // The model call, with the GenAI semantic conventions, inside the job.
    const chat = spans.find((s) => s.name === 'chat gpt-4o-mini' && s.spanContext().traceId === traceId);
    expect(chat).toBeDefined();
    expect(parentOf(chat!)).toBe(job!.spanContext().spanId);
    expect(chat!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 42,
      'gen_ai.usage.output_tokens': 2,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(chat!.events.map((e) => e.name)).toContain('gen_ai.first_token');

    // The events: the mutation published the message and the queued run; the job the run's moves.
    const published = (span: ReadableSpan) =>
      span.events.filter((e) => e.name === 'tmates.event.published').map((e) => `${e.attributes!['tmates.event.kind']}:${e.attributes!['tmates.event.status'] ?? ''}`);
    expect(published(mutation!)).toEqual(expect.arrayContaining(['message:', 'run:queued']));
    expect(published(job!)).toEqual(expect.arrayContaining(['run:running', 'message:', 'run:succeeded']));

    // Log lines written inside the job carry its trace id.
    const traced = logLines.filter((l) => l.trace_id === traceId);
    expect(traced.some((l) => l.msg === 'run ended' && l.span_id === job!.spanContext().spanId)).toBe(true);
    expect(traced.every((l) => typeof l.span_id === 'string')).toBe(true);
  });
});
