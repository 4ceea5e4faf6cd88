import { mkdtempSync, rmSync } from 'node:fs';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { directThreadOf, THREAD_EVENTS, waitForRun } from '../helpers/agents.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { spawnTmates, type RunningProcess } from '../helpers/process.ts';
import { TEST_SECRET, type TestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';
import { scrape, scrapeUntil, total, type Sample } from './scrape.ts';

/**
 * Two API processes (`serve --no-worker`) and two worker processes (`worker --health-port 0`) on one
 * database, each a real child process with METRICS=true and tracing to a real OTLP/HTTP receiver:
 * every process answers its own /metrics, counting what it did itself, and a message sent to one
 * API is one trace across the API and the worker that ran its turn.
 */
const TOKEN = 'processes-metrics-token';
let fake: FakeOpenAI;
let db: TestDatabase;
let home: string;
let otlp: { server: Server; url: string; spans: OtlpSpan[] };
const processes: RunningProcess[] = [];
const apis: Array<{ process: RunningProcess; base: string; server: TestServer }> = [];
const workers: Array<{ process: RunningProcess; base: string }> = [];
const clients: Client[] = [];

interface OtlpSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

/** A real OTLP/HTTP receiver (JSON encoding, what the exporter sends by default). */
async function startOtlpReceiver(): Promise<typeof otlp> {
  const spans: OtlpSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const payload = JSON.parse(body) as { resourceSpans: Array<Record<string, any>> };
        for (const resourceSpans of payload.resourceSpans) {
          const service = resourceSpans.resource.attributes.find((a: Record<string, any>) => a.key === 'service.name')?.value.stringValue;
          for (const scope of resourceSpans.scopeSpans) {
            for (const span of scope.spans) {
              const attributes: Record<string, unknown> = {};
              for (const a of span.attributes ?? []) attributes[a.key] = Object.values(a.value)[0];
              spans.push({ service, traceId: span.traceId, spanId: span.spanId, parentSpanId: span.parentSpanId || undefined, name: span.name, attributes });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans };
}

function remoteServer(url: string): TestServer {
  return {
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
}

function env(service: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    TMATES_HOME: home,
    TMATES_SECRET: TEST_SECRET,
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'test-key',
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS: 'true',
    METRICS_TOKEN: TOKEN,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_SERVICE_NAME: service,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

beforeAll(async () => {
  [fake, db, otlp] = await Promise.all([startFakeOpenAI(), createTestDatabase(), startOtlpReceiver()]);
  home = mkdtempSync(path.join(os.tmpdir(), 'tmates-processes-'));
  const started = [
    ...[1, 2].map((n) => ({ kind: 'api' as const, process: spawnTmates(['serve', '--no-worker'], env(`tmates-api-${n}`)) })),
    ...[1, 2].map((n) => ({ kind: 'worker' as const, process: spawnTmates(['worker', '--health-port', '0'], env(`tmates-worker-${n}`)) })),
  ];
  processes.push(...started.map((s) => s.process));
  for (const { kind, process } of started) {
    if (kind === 'api') {
      const [, port] = await process.waitFor(/ready at http:\/\/localhost:(\d+)\/graphql/, 90_000);
      const base = `http://127.0.0.1:${port}`;
      apis.push({ process, base, server: remoteServer(`${base}/graphql`) });
    } else {
      const [, port] = await process.waitFor(/"healthPort":(\d+)/, 90_000);
      workers.push({ process, base: `http://127.0.0.1:${port}` });
    }
  }
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
  await Promise.all([db?.drop(), fake?.close(), new Promise((r) => otlp?.server.close(r))]);
  if (home) rmSync(home, { recursive: true, force: true });
});

const SEND_MESSAGE = `mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) { __typename ... on SendMessagePayload { runs { id } } ... on Error { message } }
}`;

describe('two APIs and two workers on one database', () => {
  it('each process serves its own health and metrics, counting its own work; one trace crosses API and worker', async () => {
    // Every worker process is alive and ready, on its own health port; its metrics need the token.
    for (const worker of workers) {
      expect((await fetch(`${worker.base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${worker.base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { database: { ok: true }, migrations: { ok: true }, worker: { ok: true } } });
      expect((await fetch(`${worker.base}/metrics`)).status).toBe(401);
      expect((await fetch(`${worker.base}/graphql`)).status).toBe(404); // a worker serves no API
    }
    // API readiness has no worker check: these processes run none.
    const apiReady = (await (await fetch(`${apis[0]!.base}/readyz`)).json()) as { checks: Record<string, unknown> };
    expect(apiReady.checks.worker).toBeUndefined();

    // Four people, each subscribed on API 2, each sending on API 1.
    const [api1, api2] = apis as [(typeof apis)[0], (typeof apis)[0]];
    const people: Array<{ user: TestUser; thread: string; events: ReturnType<typeof collect<Record<string, any>>> }> = [];
    for (let i = 0; i < 4; i += 1) {
      const user = await signUpUser(api1.server, `Proc${i}`);
      const thread = await directThreadOf(api1.server, user);
      const client = createClient({ url: `${api2.base.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { token: user.token }, retryAttempts: 0 });
      clients.push(client);
      people.push({ user, thread, events: collect<Record<string, any>>(client, THREAD_EVENTS, { id: thread }) });
    }
    let api2Samples = await scrapeUntil(api2.base, TOKEN, (samples) => total(samples, 'tmates_subscriptions_open', { subscription: 'threadEvents' }) === 4, 15_000);
    expect(total(api2Samples, 'tmates_websockets_open')).toBe(4);
    expect(total(api2Samples, 'tmates_subscriptions_open', { subscription: 'threadEvents' })).toBe(4);

    const runIds: string[] = [];
    for (const [i, person] of people.entries()) {
      fake.enqueue({ kind: 'text', chunks: ['Answer', ` ${i}.`], usage: { prompt: 100 + i, completion: 2 } });
      const sent = await gqlAs(api1.server, person.user, SEND_MESSAGE, { input: { threadId: person.thread, body: `Question ${i}` } });
      runIds.push(sent.sendMessage.runs[0].id);
    }
    for (const [i, person] of people.entries()) await waitForRun(api1.server, person.user, runIds[i]!, ['SUCCEEDED']);
    for (const person of people) {
      await waitFor(() => person.events.events.some((e: Record<string, any>) => e.threadEvents.__typename === 'RunEvent' && e.threadEvents.status === 'SUCCEEDED'), 15_000);
    }

    // API 1 took the mutations; API 2 delivered the events; neither ran a turn.
    const api1Samples = await scrape(api1.base, TOKEN);
    api2Samples = await scrape(api2.base, TOKEN);
    expect(total(api1Samples, 'graphql_envelop_request', { operationName: 'SendMessage' })).toBe(4);
    expect(total(api2Samples, 'graphql_envelop_request', { operationName: 'SendMessage' })).toBe(0);
    expect(total(api2Samples, 'tmates_subscription_events_delivered_total', { subscription: 'threadEvents' })).toBeGreaterThanOrEqual(4 * 4);
    expect(total(api1Samples, 'tmates_subscription_events_delivered_total')).toBe(0);
    expect(total(api2Samples, 'tmates_event_bus_lag_seconds_count')).toBeGreaterThan(0);
    for (const samples of [api1Samples, api2Samples]) {
      expect(total(samples, 'tmates_jobs_total')).toBe(0);
      expect(total(samples, 'tmates_model_calls_total')).toBe(0);
      expect(total(samples, 'tmates_db_pool_max_connections')).toBe(10);
    }

    // The workers ran the four turns between them; each counts only its own.
    // (A job is counted once its task returns, just after the run's final events: poll for it.)
    let workerSamples: Sample[][] = [];
    const sum = (name: string, labels: Record<string, string> = {}) => workerSamples.reduce((s, samples) => s + total(samples, name, labels), 0);
    const jobsDeadline = Date.now() + 15_000;
    do {
      workerSamples = await Promise.all(workers.map((w) => scrape(w.base, TOKEN)));
    } while (sum('tmates_jobs_total', { task: 'agents__run_turn' }) < 4 && Date.now() < jobsDeadline);
    expect(sum('tmates_jobs_total', { task: 'agents__run_turn', outcome: 'success' })).toBe(4);
    expect(sum('tmates_runs_ended_total', { status: 'succeeded', kind: 'reply' })).toBe(4);
    expect(sum('tmates_model_calls_total', { model: 'gpt-4o-mini', outcome: 'success' })).toBe(4);
    expect(sum('tmates_model_tokens_total', { type: 'input' })).toBe(100 + 101 + 102 + 103);
    for (const samples of workerSamples) {
      expect(total(samples, 'graphql_envelop_request')).toBe(0);
      expect(total(samples, 'tmates_job_queue_jobs', { task: 'agents__run_turn', state: 'ready' })).toBe(0);
      expect(total(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    }

    // One trace per message: API 1's mutation span → a worker's job span → its model call.
    await waitFor(() => otlp.spans.filter((s) => s.name === 'chat gpt-4o-mini').length >= 4, 15_000);
    const mutations = otlp.spans.filter((s) => s.name === 'mutation.SendMessage');
    expect(mutations).toHaveLength(4);
    expect(new Set(mutations.map((s) => s.service))).toEqual(new Set(['tmates-api-1']));
    for (const mutation of mutations) {
      const job = otlp.spans.find((s) => s.name === 'process agents__run_turn' && s.parentSpanId === mutation.spanId);
      expect(job?.traceId).toBe(mutation.traceId);
      expect(job?.service).toMatch(/^tmates-worker-[12]$/);
      const chat = otlp.spans.find((s) => s.name === 'chat gpt-4o-mini' && s.parentSpanId === job!.spanId);
      expect(chat).toMatchObject({ traceId: mutation.traceId, service: job!.service, attributes: { 'gen_ai.request.model': 'gpt-4o-mini' } });
      // The worker's log lines of that turn carry the trace id.
      const worker = processes[Number(job!.service.slice(-1)) + 1]!;
      expect(worker.stdout()).toContain(`"trace_id":"${mutation.traceId}"`);
    }
    for (const person of people) person.events.stop();
  }, 120_000);
});
