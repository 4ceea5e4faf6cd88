import { readFileSync } from 'node:fs';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, finalReplyOf, runEndOf, until, useServerWithFakeModel, watchThread } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import type { TestServer } from '../helpers/server.ts';

import { has, scrape, scrapeUntil, total, type Sample } from './scrape.ts';

const TOKEN = 'scrape-secret-1234';
const model = useServerWithFakeModel({ METRICS: 'true', METRICS_TOKEN: TOKEN });
let fake: FakeOpenAI;
let server: TestServer;
let base: string;
beforeAll(() => {
  ({ fake, server } = model);
  base = server.url.replace(/\/graphql$/, '');
});

const SEND_MESSAGE = `mutation SendMessage($input: SendMessageInput!) {
  sendMessage(input: $input) { __typename ... on SendMessagePayload { runs { id } } ... on Error { message } }
}`;

describe('/metrics (METRICS=true, METRICS_TOKEN set)', () => {
  it('needs the bearer token', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${base}/metrics`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
  });

  it('counts a turn: the operation, the run, the model call and its tokens, the tool call, the job, the events delivered', async () => {
    const user = await signUpUser(server, 'Metric');
    const thread = await directThreadOf(server, user);
    const sub = await watchThread(server, user, thread);
    // The subscription is counted as its stream starts, around when the bus listener is added.
    const before = await scrapeUntil(base, TOKEN, (samples) => total(samples, 'tmates_subscriptions_open', { subscription: 'threadEvents' }) === 1);
    expect(total(before, 'tmates_websockets_open')).toBe(1);
    expect(total(before, 'tmates_subscriptions_open', { subscription: 'threadEvents' })).toBe(1);

    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'remember', arguments: JSON.stringify({ content: 'Metric likes dashboards' }) }] },
      { kind: 'text', chunks: ['Noted', ', Metric.'], usage: { prompt: 150, completion: 4 } },
    );
    const sent = await gqlAs(server, user, SEND_MESSAGE, { input: { threadId: thread, body: 'Remember that I like dashboards' } });
    const runId = sent.sendMessage.runs[0].id;
    await until(sub, finalReplyOf(runId));
    await until(sub, runEndOf(runId));

    // The run is counted right after its final transaction and the job once it returns; the subscriber may see the end first.
    const job = { task: 'agents__run_turn', outcome: 'success' };
    const after = await scrapeUntil(
      base,
      TOKEN,
      (samples) => total(samples, 'tmates_jobs_total', job) > total(before, 'tmates_jobs_total', job) && total(samples, 'tmates_runs_ended_total', { status: 'succeeded', kind: 'reply' }) >= 1,
    );
    const grew = (name: string, labels: Record<string, string> = {}) => total(after, name, labels) - total(before, name, labels);

    // GraphQL operations, by operation name (Yoga Prometheus plugin).
    expect(grew('graphql_envelop_request', { operationName: 'SendMessage', operationType: 'mutation' })).toBe(1);
    expect(grew('graphql_envelop_request_duration_count', { operationName: 'SendMessage' })).toBe(1);
    // Runs by status and duration.
    expect(grew('tmates_runs_ended_total', { status: 'succeeded', kind: 'reply' })).toBe(1);
    expect(grew('tmates_run_duration_seconds_count', { status: 'succeeded', kind: 'reply' })).toBe(1);
    // Model calls (two: the tool round and the answer) and tokens, by model and outcome.
    expect(grew('tmates_model_calls_total', { model: 'gpt-4o-mini', outcome: 'success' })).toBe(2);
    expect(grew('tmates_model_tokens_total', { model: 'gpt-4o-mini', type: 'input', outcome: 'success' })).toBeGreaterThanOrEqual(150);
    expect(grew('tmates_model_tokens_total', { model: 'gpt-4o-mini', type: 'output', outcome: 'success' })).toBeGreaterThanOrEqual(4);
    expect(grew('tmates_model_time_to_first_token_seconds_count', { model: 'gpt-4o-mini' })).toBe(1); // the tool round streams no text
    // Tool calls, jobs, event delivery.
    expect(grew('tmates_tool_calls_total', { tool: 'remember', outcome: 'success' })).toBe(1);
    expect(grew('tmates_jobs_total', { task: 'agents__run_turn', outcome: 'success' })).toBe(1);
    expect(grew('tmates_subscription_events_delivered_total', { subscription: 'threadEvents' })).toBeGreaterThanOrEqual(5);
    expect(grew('tmates_event_bus_lag_seconds_count')).toBeGreaterThanOrEqual(5);
    // Read at scrape time: the pool, the queue (nothing left waiting), runs not ended.
    expect(total(after, 'tmates_db_pool_max_connections')).toBe(10);
    expect(total(after, 'tmates_db_pool_connections')).toBeGreaterThan(0);
    expect(has(after, 'tmates_db_pool_waiting_clients')).toBe(true);
    expect(total(after, 'tmates_job_queue_jobs', { task: 'agents__run_turn', state: 'ready' })).toBe(0);
    expect(total(after, 'tmates_runs', { status: 'running' })).toBe(0);
    // The process's own (prom-client defaults).
    expect(has(after, 'process_cpu_user_seconds_total')).toBe(true);
    expect(has(after, 'nodejs_eventloop_lag_seconds')).toBe(true);

    sub.stop();
    await waitFor(() => server.app.services.bus.listenerCount() === 0);
    const closed = await scrapeUntil(base, TOKEN, (samples) => total(samples, 'tmates_subscriptions_open', { subscription: 'threadEvents' }) === 0);
    expect(total(closed, 'tmates_subscriptions_open', { subscription: 'threadEvents' })).toBe(0);
  });

  it('shows waiting jobs by task with the age of the oldest', async () => {
    const { sql } = await import('kysely');
    // A job for a task no worker here runs: it stays ready, and ages.
    await sql`select graphile_worker.add_job('ops__probe', '{}'::json, run_at => now() - interval '90 seconds')`.execute(server.app.services.db);
    const samples = await scrape(base, TOKEN);
    expect(total(samples, 'tmates_job_queue_jobs', { task: 'ops__probe', state: 'ready' })).toBe(1);
    expect(total(samples, 'tmates_job_queue_oldest_ready_seconds', { task: 'ops__probe' })).toBeGreaterThanOrEqual(89);
  });

  it('counts GraphQL errors by operation name', async () => {
    const before = await scrape(base, TOKEN);
    const result = await server.gql('query Broken { nope }');
    expect(result.errors).toBeDefined();
    const after = await scrape(base, TOKEN);
    expect(total(after, 'graphql_envelop_error_result', { operationName: 'Broken', phase: 'validate' }) - total(before, 'graphql_envelop_error_result', { operationName: 'Broken' })).toBe(1);
  });

  it('exposes every metric the Grafana dashboard (deploy/grafana) queries', async () => {
    const dashboard = JSON.parse(readFileSync(new URL('../../deploy/grafana/tmates-dashboard.json', import.meta.url), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const queried = new Set(
      dashboard.panels.flatMap((p) => p.targets ?? []).flatMap((t) => [...t.expr.matchAll(/\b((?:tmates|graphql|process|nodejs)_[a-z0-9_]+)\{/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''))),
    );
    expect(queried.size).toBeGreaterThan(20);
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('/readyz reports the worker heartbeat', async () => {
    const response = await fetch(`${base}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ready: true, checks: { database: { ok: true }, migrations: { ok: true }, worker: { ok: true } } });
  });
});
