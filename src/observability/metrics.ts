import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics (prom-client), served at `/metrics` when METRICS=true.
 *
 * Every metric of Tmates lives in this one registry, so each process (`tmates serve`, `tmates
 * worker`) exposes its own; sum them across processes in PromQL. Counters are always updated (an
 * increment costs nanoseconds); only serving them is switched by configuration. Values measured
 * at scrape time (queue depth, pool use, open sockets) are gauges filled by `collectors.ts`.
 *
 * Other code increments these directly, e.g. a rate limiter refusing a request:
 * `rateLimitRefusals.inc({ limit: 'graphql' })`.
 */
export const registry = new Registry();

/** Seconds: from 5 ms to 2 minutes (model calls and turns take seconds). */
const SLOW_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
/** Seconds: from 1 ms to 10 s (delivery and lag). */
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// --- Runs (one teammate working on one trigger) --------------------------------------------------

/** Runs that ended, by final `status` (succeeded | failed | cancelled) and `kind` (reply, delegation, plan, task, report). */
export const runsEnded = new Counter({
  name: 'tmates_runs_ended_total',
  help: 'Runs that ended in this process, by final status and kind.',
  labelNames: ['status', 'kind'] as const,
  registers: [registry],
});

/** Seconds from a run's start (its latest attempt) to its end, by final `status` and `kind`. */
export const runDuration = new Histogram({
  name: 'tmates_run_duration_seconds',
  help: 'Seconds from a run starting on a worker to its end, by final status and kind.',
  labelNames: ['status', 'kind'] as const,
  buckets: SLOW_BUCKETS,
  registers: [registry],
});

// --- Model calls (GenAI: one chat completion) --------------------------------------------------

/** Model calls by `model` and `outcome` (success | error | cancelled). */
export const modelCalls = new Counter({
  name: 'tmates_model_calls_total',
  help: 'Chat completions requested from the model provider, by model and outcome (success, error, cancelled).',
  labelNames: ['model', 'outcome'] as const,
  registers: [registry],
});

/** Tokens by `model`, `type` (input | output, as gen_ai.token.type) and `outcome`. */
export const modelTokens = new Counter({
  name: 'tmates_model_tokens_total',
  help: 'Tokens used by chat completions, by model, token type (input, output) and outcome.',
  labelNames: ['model', 'type', 'outcome'] as const,
  registers: [registry],
});

/** Seconds per model call (the whole stream), by `model` and `outcome`. */
export const modelCallDuration = new Histogram({
  name: 'tmates_model_call_duration_seconds',
  help: 'Seconds from requesting a chat completion to the end of its stream, by model and outcome.',
  labelNames: ['model', 'outcome'] as const,
  buckets: SLOW_BUCKETS,
  registers: [registry],
});

/** Seconds from requesting a completion to its first streamed text, by `model`. */
export const timeToFirstToken = new Histogram({
  name: 'tmates_model_time_to_first_token_seconds',
  help: 'Seconds from requesting a chat completion to its first streamed text, by model.',
  labelNames: ['model'] as const,
  buckets: SLOW_BUCKETS,
  registers: [registry],
});

/** Tool calls a teammate made, by `tool` and `outcome` (success | error). */
export const toolCalls = new Counter({
  name: 'tmates_tool_calls_total',
  help: 'Tool calls executed for teammates, by tool name and outcome (success, error).',
  labelNames: ['tool', 'outcome'] as const,
  registers: [registry],
});

/** Seconds per tool call, by `tool`. */
export const toolCallDuration = new Histogram({
  name: 'tmates_tool_call_duration_seconds',
  help: 'Seconds a tool call took, by tool name.',
  labelNames: ['tool'] as const,
  buckets: SLOW_BUCKETS,
  registers: [registry],
});

// --- Jobs (graphile-worker) ----------------------------------------------------------------------

/** Jobs this process ran, by `task` and `outcome` (success | error: retried or failed for good). */
export const jobsRun = new Counter({
  name: 'tmates_jobs_total',
  help: 'Jobs run by this process, by task and outcome (success, error).',
  labelNames: ['task', 'outcome'] as const,
  registers: [registry],
});

/** Seconds per job run, by `task` and `outcome`. */
export const jobDuration = new Histogram({
  name: 'tmates_job_duration_seconds',
  help: 'Seconds a job took to run in this process, by task and outcome.',
  labelNames: ['task', 'outcome'] as const,
  buckets: SLOW_BUCKETS,
  registers: [registry],
});

// --- Files ---------------------------------------------------------------------------------------

/** Files that finished ingestion, by `status` (ready | failed). */
export const filesIngested = new Counter({
  name: 'tmates_file_ingestions_total',
  help: 'Files that finished text extraction, by resulting status (ready, failed).',
  labelNames: ['status'] as const,
  registers: [registry],
});

// --- Realtime ------------------------------------------------------------------------------------

/** Results sent to subscribers (one per subscription per event), by subscription field. */
export const eventsDelivered = new Counter({
  name: 'tmates_subscription_events_delivered_total',
  help: 'Subscription results sent to clients, by subscription field.',
  labelNames: ['subscription'] as const,
  registers: [registry],
});

/** Subscriptions open right now, by subscription field. */
export const openSubscriptions = new Gauge({
  name: 'tmates_subscriptions_open',
  help: 'GraphQL subscriptions open in this process, by subscription field.',
  labelNames: ['subscription'] as const,
  registers: [registry],
});

/** Seconds from an event's publication (in any process) to its receipt by this one. */
export const eventBusLag = new Histogram({
  name: 'tmates_event_bus_lag_seconds',
  help: 'Seconds from publishing an event on the bus to this process receiving it (clocks of different hosts add their skew).',
  buckets: FAST_BUCKETS,
  registers: [registry],
});

// --- Notifications -------------------------------------------------------------------------------

/**
 * Notification deliveries, by `channel` (web, mobile, email) and `outcome` (sent; failed: will be
 * retried; removed: the push service said the target is gone, so it was deleted).
 */
export const notificationsSent = new Counter({
  name: 'tmates_notifications_sent_total',
  help: 'Notification deliveries by channel (web, mobile, email) and outcome (sent, failed, removed).',
  labelNames: ['channel', 'outcome'] as const,
  registers: [registry],
});

// --- Limits --------------------------------------------------------------------------------------

/**
 * Requests refused by a rate limit, by `limit` (the limiter's name, e.g. `graphql`, `sign_in`,
 * `send_message`). Increment it where a limiter refuses: `rateLimitRefusals.inc({ limit: 'sign_in' })`.
 */
export const rateLimitRefusals = new Counter({
  name: 'tmates_rate_limit_refusals_total',
  help: 'Requests refused by a rate limit, by limit name.',
  labelNames: ['limit'] as const,
  registers: [registry],
});

// --- Hooks called from the code that does the work -----------------------------------------------

/** Counts a run that ended (called with the run as `endRun` returned it; undefined is ignored). */
export function observeRunEnded<R extends { status: string; kind: string; startedAt: Date | null; finishedAt: Date | null } | undefined>(run: R): R {
  if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status)) {
    runsEnded.inc({ status: run.status, kind: run.kind });
    if (run.startedAt) {
      const end = run.finishedAt ?? new Date();
      runDuration.observe({ status: run.status, kind: run.kind }, Math.max(0, (end.getTime() - run.startedAt.getTime()) / 1000));
    }
  }
  return run;
}

/** Times a tool call and counts it; `result` is the JSON text the model reads (`{ error }` on failure). */
export async function observeToolCall(tool: string, call: () => Promise<string>): Promise<string> {
  const end = toolCallDuration.startTimer({ tool });
  const result = await call();
  end();
  toolCalls.inc({ tool, outcome: result.startsWith('{"error"') ? 'error' : 'success' });
  return result;
}
