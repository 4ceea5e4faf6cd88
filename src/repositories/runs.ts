import { sql, type RawBuilder, type Selectable, type UpdateQueryBuilder } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { DB, Runs } from '../db/schema.ts';
import { orgColumnNames, toOrg, type Org } from './orgs.ts';
import { teammateColumnNames, toTeammate, type Teammate } from './teammates.ts';
import { isMemberOfThread, threadColumnNames, toThread, type Thread } from './threads.ts';

export type RunStatus = 'queued' | 'running' | 'waiting_for_approval' | 'succeeded' | 'failed' | 'cancelled';
export type RunKind = 'reply' | 'delegation' | 'plan' | 'task' | 'report';
/** Not ended yet: a run waiting for a person's approval holds no job but can still be cancelled. */
export const ACTIVE_RUN_STATUSES: RunStatus[] = ['queued', 'running', 'waiting_for_approval'];
/** What a worker may claim: a waiting run is queued again (with a job) when a person answers. */
const CLAIMABLE_RUN_STATUSES: RunStatus[] = ['queued', 'running'];

/** The `error` of a run cancelled because a newer message interrupted it (the INTERRUPT busy policy). */
export const RUN_INTERRUPTED = 'Interrupted by a newer message';

/** One teammate working on one trigger (a message, a question from another teammate). */
export interface Run {
  id: string;
  orgId: string;
  threadId: string;
  teammateId: string;
  kind: RunKind;
  parentRunId: string | null;
  /** The goal it works for (plan, task and report runs). */
  goalId: string | null;
  goalTaskId: string | null;
  depth: number;
  triggerMessageId: string | null;
  input: string | null;
  output: string | null;
  status: RunStatus;
  attempt: number;
  error: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Some of the tokens were counted from the text by a tokenizer (the provider reported none). */
  tokensEstimated: boolean;
  workerId: string | null;
  heartbeatAt: Date | null;
  throughSeq: number | null;
  durationMs: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  /** The latest `report_progress` of the run, null before any. */
  progress: RunProgress | null;
}

/** Where a run stands, as its teammate reported it (`report_progress`). */
export interface RunProgress {
  stage: string;
  /** 0–100, or null when the teammate gave none. */
  percent: number | null;
  message: string;
  at: string;
}

export const columns = [
  'runs.id', 'runs.org_id', 'runs.thread_id', 'runs.teammate_id', 'runs.kind', 'runs.parent_run_id', 'runs.goal_id', 'runs.goal_task_id', 'runs.depth',
  'runs.trigger_message_id', 'runs.input', 'runs.output', 'runs.status', 'runs.attempt', 'runs.error', 'runs.model',
  'runs.prompt_tokens', 'runs.completion_tokens', 'runs.tokens_estimated', 'runs.worker_id', 'runs.heartbeat_at', 'runs.through_seq',
  'runs.duration_ms', 'runs.started_at', 'runs.finished_at', 'runs.created_at', 'runs.progress',
] as const;
const bare = columns.map((c) => c.slice('runs.'.length)) as Array<(typeof columns)[number] extends `runs.${infer C}` ? C : never>;

export function toRun(row: Pick<Selectable<Runs>, (typeof bare)[number]>): Run {
  return {
    id: row.id,
    orgId: row.org_id,
    threadId: row.thread_id,
    teammateId: row.teammate_id,
    kind: row.kind as RunKind,
    parentRunId: row.parent_run_id,
    goalId: row.goal_id,
    goalTaskId: row.goal_task_id,
    depth: row.depth,
    triggerMessageId: row.trigger_message_id,
    input: row.input,
    output: row.output,
    status: row.status as RunStatus,
    attempt: row.attempt,
    error: row.error,
    model: row.model,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    tokensEstimated: row.tokens_estimated,
    workerId: row.worker_id,
    heartbeatAt: row.heartbeat_at,
    throughSeq: row.through_seq === null ? null : Number(row.through_seq),
    durationMs: row.duration_ms,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdAt: row.created_at,
    progress: (row.progress ?? null) as RunProgress | null,
  };
}

/** Records a run's progress; only while it runs (returns undefined otherwise). */
export async function saveRunProgress(db: Executor, runId: string, progress: RunProgress): Promise<Run | undefined> {
  const row = await db
    .updateTable('runs')
    .set({ progress: JSON.stringify(progress) })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .returning(bare)
    .executeTakeFirst();
  return row && toRun(row);
}

export async function insertRun(
  db: Executor,
  values: {
    orgId: string;
    threadId: string;
    teammateId: string;
    kind?: RunKind;
    parentRunId?: string | null;
    goalId?: string | null;
    goalTaskId?: string | null;
    depth?: number;
    triggerMessageId?: string | null;
    input?: string | null;
    status?: RunStatus;
    /** The person the run is charged to (who sent the message), if any. */
    chargedTo?: string | null;
  },
  options: { id?: string; job?: RawBuilder<string> } = {},
): Promise<Run> {
  // The run, its usage row (one run of the month's quota; tokens are added when it ends) and, when
  // given, its job (`jobCall`, for a run id chosen by the caller) in one statement.
  const row = await db
    .with('run', (qb) =>
      qb
        .insertInto('runs')
        .values({
          ...(options.id ? { id: options.id } : {}),
          org_id: values.orgId,
          thread_id: values.threadId,
          teammate_id: values.teammateId,
          kind: values.kind ?? 'reply',
          parent_run_id: values.parentRunId ?? null,
          goal_id: values.goalId ?? null,
          goal_task_id: values.goalTaskId ?? null,
          depth: values.depth ?? 0,
          trigger_message_id: values.triggerMessageId ?? null,
          input: values.input ?? null,
          status: values.status ?? 'queued',
        })
        .returning(bare),
    )
    .with('charge', (qb) =>
      qb
        .insertInto('usage_events')
        .columns(['org_id', 'kind', 'run_id', 'teammate_id', 'user_id', 'quantity'])
        .expression((eb) =>
          eb
            .selectFrom('run')
            .select(['run.org_id', sql.lit('run').as('kind'), 'run.id', 'run.teammate_id', sql<string | null>`${values.chargedTo ?? null}::uuid`.as('user_id'), sql.lit(1).as('quantity')]),
        ),
    )
    // Referenced below, so it runs (once): a SELECT in a WITH only runs when something reads it.
    .with('job', (qb) => qb.selectNoFrom((options.job ?? sql<string>`null`).as('job_id')))
    .selectFrom(['run', 'job'])
    .selectAll('run')
    .executeTakeFirstOrThrow();
  return toRun(row);
}

export async function findRun(db: Executor, id: string): Promise<Run | undefined> {
  const row = await db.selectFrom('runs').select(columns).where('runs.id', '=', id).executeTakeFirst();
  return row && toRun(row);
}

/** Runs among `ids` in threads of `orgId` that `userId` is a member of. */
export async function findVisibleRuns(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('runs')
    .select(columns)
    .where('runs.org_id', '=', orgId)
    .where('runs.id', 'in', [...ids])
    .where(isMemberOfThread(userId, 'runs.thread_id'))
    .execute();
  return rows.map(toRun);
}

/** Runs that answer in a thread with a message of their own (and so queue per teammate and thread). */
export const THREAD_RUN_KINDS: RunKind[] = ['reply', 'task', 'report'];

/**
 * The runs of a thread that are still queued or running and write in it (replies, goal tasks and
 * reports), locked for the rest of the transaction (optionally only one teammate's). A worker
 * starting one of them waits for the lock, so a message committed meanwhile is always seen by the
 * run it was left to.
 */
export async function lockActiveRuns(db: Executor, threadId: string, teammateId?: string): Promise<Run[]> {
  let query = db
    .selectFrom('runs')
    .select(columns)
    .where('runs.thread_id', '=', threadId)
    .where('runs.status', 'in', ACTIVE_RUN_STATUSES)
    .where('runs.kind', 'in', THREAD_RUN_KINDS)
    .orderBy('runs.created_at')
    .forNoKeyUpdate();
  if (teammateId) query = query.where('runs.teammate_id', '=', teammateId);
  return (await query.execute()).map(toRun);
}

/**
 * Starts (or restarts, after a crash) a run: queued or running → running, attempt + 1. Returns
 * undefined when the run already ended (cancelled before it started, or finished by an earlier try).
 */
export async function claimRun(db: Executor, id: string, workerId: string | null): Promise<Run | undefined> {
  const row = await db
    .updateTable('runs')
    .set({
      status: 'running',
      attempt: sql`attempt + 1`,
      worker_id: workerId,
      heartbeat_at: sql`now()`,
      started_at: sql`coalesce(started_at, now())`,
      error: null,
    })
    .where('id', '=', id)
    .where('status', 'in', CLAIMABLE_RUN_STATUSES)
    .returning(bare)
    .executeTakeFirst();
  return row && toRun(row);
}

/** The columns of `source` whose names start with `prefix`, without it (one row carrying two records). */
function unprefixed(row: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key.startsWith(prefix)) out[key.slice(prefix.length)] = value;
  return out;
}

/**
 * `claimRun` after locking the run's thread (the order every writer uses), in one round trip: the
 * thread row is locked first (a one-time condition of the update reads it), then the run is
 * claimed; the run's teammate and organisation come with it (what the turn reads next). Undefined
 * when the run or its thread is gone; `run` undefined when it has already ended; `teammate` and
 * `org` undefined when they are gone.
 */
export async function claimRunLockingThread(
  db: Executor,
  id: string,
  workerId: string | null,
): Promise<{ thread: Thread; run: Run | undefined; teammate: Teammate | undefined; org: Org | undefined } | undefined> {
  const prefixed = (table: string, prefix: string, names: readonly string[]) => sql.join(names.map((c) => sql`${sql.ref(`${table}.${c}`)} as ${sql.ref(`${prefix}${c}`)}`));
  const threadSelection = prefixed('thread', 't_', threadColumnNames);
  const runSelection = prefixed('claimed', 'r_', bare);
  const teammateSelection = prefixed('teammate', 'm_', teammateColumnNames);
  const orgSelection = prefixed('org', 'o_', orgColumnNames);
  const { rows } = await sql<Record<string, unknown>>`
    with thread as (
      select * from threads where id = (select thread_id from runs where id = ${id}) for no key update
    ), claimed as (
      update runs
      set status = 'running', attempt = attempt + 1, worker_id = ${workerId}, heartbeat_at = now(), started_at = coalesce(started_at, now()), error = null
      where id = ${id} and status = any(${CLAIMABLE_RUN_STATUSES}::text[]) and exists (select 1 from thread)
      returning *
    )
    select ${threadSelection}, ${runSelection}, ${teammateSelection}, ${orgSelection}
    from thread
    left join claimed on true
    left join teammates as teammate on teammate.id = claimed.teammate_id and teammate.org_id = claimed.org_id
    left join orgs as org on org.id = claimed.org_id
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  const [run, teammate, org] = [unprefixed(row, 'r_'), unprefixed(row, 'm_'), unprefixed(row, 'o_')];
  return {
    thread: toThread(unprefixed(row, 't_') as never),
    run: run.id ? toRun(run as never) : undefined,
    teammate: teammate.id ? toTeammate(teammate as never) : undefined,
    org: org.id ? toOrg(org as never) : undefined,
  };
}

/**
 * Ends a running attempt. Fenced by `attempt`: only the worker holding the newest attempt can end
 * it, and only while it is running (a cancelled run stays cancelled). Undefined when it could not.
 */
export async function finishRun(
  db: Executor,
  id: string,
  attempt: number,
  values: {
    status: Exclude<RunStatus, 'queued' | 'running' | 'waiting_for_approval'>;
    error?: string | null;
    output?: string | null;
    model?: string | null;
    promptTokens: number;
    completionTokens: number;
    tokensEstimated?: boolean;
    throughSeq?: number | null;
  },
  options: { lockThreadId?: string } = {},
): Promise<Run | undefined> {
  const ended = db.updateTable('runs').set({
    tokens_estimated: values.tokensEstimated ?? false,
    status: values.status,
    through_seq: values.throughSeq ?? null,
    error: values.error ?? null,
    output: values.output ?? null,
    model: values.model ?? null,
    prompt_tokens: values.promptTokens,
    completion_tokens: values.completionTokens,
    finished_at: sql`now()`,
    duration_ms: sql`(extract(epoch from now() - started_at) * 1000)::int`,
  });
  return withSpend(db, ended.where('id', '=', id).where('attempt', '=', attempt).where('status', '=', 'running').returning(bare), options.lockThreadId);
}

/**
 * Runs an update of one run and copies what it spent onto its usage row, in one statement. With
 * `lockThreadId`, the thread row is locked first, in the same statement (a one-time condition of
 * the update reads it before any run row is touched): the thread-before-run lock order.
 */
async function withSpend(
  db: Executor,
  update: UpdateQueryBuilder<DB, 'runs', 'runs', Pick<Selectable<Runs>, (typeof bare)[number]>>,
  lockThreadId?: string,
): Promise<Run | undefined> {
  const locked = lockThreadId
    ? db.with('thread', (qb) => qb.selectFrom('threads').select('threads.id').where('threads.id', '=', lockThreadId).forNoKeyUpdate())
    : db;
  const gated = lockThreadId ? update.where(sql<boolean>`(select count(*) from thread) >= 0`) : update;
  const row = await (locked as typeof db)
    .with('run', () => gated)
    .with('spend', (qb) =>
      qb
        .updateTable('usage_events')
        .from('run')
        .set((eb) => ({
          model: eb.ref('run.model'),
          prompt_tokens: eb.ref('run.prompt_tokens'),
          completion_tokens: eb.ref('run.completion_tokens'),
          tokens_estimated: eb.ref('run.tokens_estimated'),
          duration_ms: eb.ref('run.duration_ms'),
        }))
        .whereRef('usage_events.run_id', '=', 'run.id')
        .where('usage_events.kind', '=', 'run'),
    )
    .selectFrom('run')
    .selectAll()
    .executeTakeFirst();
  return row && toRun(row);
}

/** Records what a cancelled attempt spent (the run was already marked cancelled by someone else). */
export async function recordCancelledSpend(
  db: Executor,
  id: string,
  attempt: number,
  values: { model: string | null; promptTokens: number; completionTokens: number; tokensEstimated?: boolean; output?: string | null },
  options: { lockThreadId?: string } = {},
): Promise<Run | undefined> {
  const recorded = db
    .updateTable('runs')
    .set({
      tokens_estimated: values.tokensEstimated ?? false,
      model: values.model,
      prompt_tokens: values.promptTokens,
      completion_tokens: values.completionTokens,
      output: values.output ?? null,
      duration_ms: sql`(extract(epoch from coalesce(finished_at, now()) - started_at) * 1000)::int`,
    })
    .where('id', '=', id)
    .where('attempt', '=', attempt)
    .where('status', '=', 'cancelled')
    .returning(bare);
  return withSpend(db, recorded, options.lockThreadId);
}

/** Marks runs cancelled (those still queued or running); returns the ones that changed. */
export async function cancelRuns(db: Executor, ids: readonly string[], reason: string | null = null): Promise<Run[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('runs')
    .set({ status: 'cancelled', finished_at: sql`now()`, error: reason })
    .where('id', 'in', [...ids])
    .where('status', 'in', ACTIVE_RUN_STATUSES)
    .returning(bare)
    .execute();
  return rows.map(toRun);
}

/** Active delegated runs under the given runs (children, grandchildren…). */
export async function activeDescendants(db: Executor, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ id: string }>`
    with recursive tree as (
      select id, status from runs where parent_run_id = any(${[...ids]}::uuid[])
      union all
      select r.id, r.status from runs r join tree t on r.parent_run_id = t.id
    )
    select id from tree where status in ('queued', 'running', 'waiting_for_approval')
  `.execute(db);
  return rows.map((r) => r.id);
}

/** Whether a goal has a run of this kind still queued or running. */
export async function hasActiveGoalRun(db: Executor, goalId: string, kind: RunKind): Promise<boolean> {
  const row = await db
    .selectFrom('runs')
    .select('id')
    .where('goal_id', '=', goalId)
    .where('kind', '=', kind)
    .where('status', 'in', ACTIVE_RUN_STATUSES)
    .limit(1)
    .executeTakeFirst();
  return Boolean(row);
}

/** running → waiting_for_approval for the attempt that asked (fenced like every end of an attempt); its spend so far kept. */
export async function markRunWaiting(db: Executor, run: Run, spend: { promptTokens: number; completionTokens: number }): Promise<Run | undefined> {
  const row = await db
    .updateTable('runs')
    .set({ status: 'waiting_for_approval', worker_id: null, prompt_tokens: spend.promptTokens, completion_tokens: spend.completionTokens })
    .where('id', '=', run.id)
    .where('attempt', '=', run.attempt)
    .where('status', '=', 'running')
    .returning(columns)
    .executeTakeFirst();
  return row && toRun(row);
}

/** waiting_for_approval → queued (an answered or expired approval); undefined when it was not waiting. */
export async function requeueWaitingRun(db: Executor, runId: string): Promise<Run | undefined> {
  const row = await db.updateTable('runs').set({ status: 'queued' }).where('id', '=', runId).where('status', '=', 'waiting_for_approval').returning(columns).executeTakeFirst();
  return row && toRun(row);
}
