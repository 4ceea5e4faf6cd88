import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import { runJobKey, turnQueue } from '../repositories/jobs.ts';
import { traceContext } from '../observability/tracing.ts';
import { transactionWithEvents, type Emit } from '../realtime/transactional.ts';
import { appendMessage, detachIntermediateReply, findReplyOfRun, reviseMessage, type FinishReason, type Message } from '../repositories/messages.ts';
import { lockOrg } from '../repositories/orgs.ts';
import {
  activeDescendants,
  cancelRuns,
  claimRunLockingThread,
  findRun,
  findVisibleRuns,
  finishRun,
  insertRun,
  lockActiveRuns,
  recordCancelledSpend,
  RUN_INTERRUPTED,
  THREAD_RUN_KINDS,
  type Run,
  type RunStatus,
} from '../repositories/runs.ts';
import { failAbandonedRun } from '../repositories/run-recovery.ts';
import { lockThread, type Thread } from '../repositories/threads.ts';
import type { Org } from '../repositories/orgs.ts';
import type { Teammate } from '../repositories/teammates.ts';
import { usageSince } from '../repositories/usage.ts';
import type { AppServices } from '../core/context.ts';
import { NotFoundError, PlanLimitError } from './errors.ts';
import { billingStateOf } from './plan-in-force.ts';
import { goalRunEnded, goalRunStarted } from './goal-runs.ts';
import { messageEvent } from './message-events.ts';
import { notifyAbout } from './notify.ts';
import type { Viewer } from '../core/viewer.ts';
import { rejectApprovalsOfCancelledRuns } from './approval-events.ts';

type Trx = Transaction<DB>;

/** The bus event of a run's status. */
export const runEvent = (run: Run, status: RunStatus = run.status) =>
  ({ kind: 'run', orgId: run.orgId, threadId: run.threadId, runId: run.id, status }) as const;

const hasRunLimits = async (services: AppServices, trx: Trx, orgId: string) => {
  const { monthlyRuns, monthlyTokens } = (await billingStateOf(services, trx, orgId)).plan.limits;
  return monthlyRuns !== null || monthlyTokens !== null;
};

/** The plan's monthly limits and what was spent in the current billing period (subscription period or calendar month). */
async function periodSpend(services: AppServices, trx: Trx, orgId: string) {
  const { plan, period } = await billingStateOf(services, trx, orgId);
  return { ...plan.limits, used: (await usageSince(trx, [orgId], period.start)).get(orgId)! };
}

/**
 * With finite monthly run or token limits, locks the organisation row for the rest of the
 * transaction so concurrent messages cannot together pass the cap. Call it first in the
 * transaction (organisation before thread: the lock order every writer uses). Without limits (the
 * default self-hosted plan) nothing is locked.
 */
export async function lockForRunQuota(services: AppServices, trx: Trx, orgId: string): Promise<void> {
  if (await hasRunLimits(services, trx, orgId)) await lockOrg(trx, orgId);
}

/** Runs the plan still allows this month (0 when its tokens are spent); null without limits. */
export async function runsLeftThisMonth(services: AppServices, trx: Trx, orgId: string): Promise<number | null> {
  const { monthlyRuns, monthlyTokens, used } = await periodSpend(services, trx, orgId);
  if (monthlyRuns === null && monthlyTokens === null) return null;
  if (monthlyTokens !== null && used.promptTokens + used.completionTokens >= monthlyTokens) return 0;
  return monthlyRuns === null ? null : Math.max(0, monthlyRuns - used.runs);
}

/** Checks the plan's monthly run and token limits once `count` new runs are charged (see lockForRunQuota). */
async function assertRunQuota(services: AppServices, trx: Trx, orgId: string, count: number): Promise<void> {
  if (count === 0) return;
  // Without finite limits (the default self-hosted plan) there is nothing to check: no usage sum.
  if (!(await hasRunLimits(services, trx, orgId))) return;
  const { monthlyRuns, monthlyTokens, used } = await periodSpend(services, trx, orgId);
  if (monthlyRuns !== null && used.runs > monthlyRuns) {
    throw new PlanLimitError('monthly_runs', monthlyRuns, `Your plan allows ${monthlyRuns} teammate runs a month; it resets when the billing period renews, or upgrade for more`);
  }
  if (monthlyTokens !== null && used.promptTokens + used.completionTokens >= monthlyTokens) {
    throw new PlanLimitError('monthly_tokens', monthlyTokens, `Your plan allows ${monthlyTokens} model tokens a month; it resets when the billing period renews, or upgrade for more`);
  }
}

/**
 * Cancels runs (and the runs they delegated to) inside a transaction that holds their thread's
 * lock: statuses change, and the RunEvents tell the workers holding them to abort their model
 * calls; each worker then saves its reply's final text with CANCELLED in one write.
 */
export async function cancelRunsInTransaction(services: Pick<AppServices, 'jobs'>, trx: Trx, emit: Emit, runIds: string[], reason: string | null): Promise<Run[]> {
  const cancelled = await cancelRuns(trx, [...runIds, ...(await activeDescendants(trx, runIds))], reason);
  for (const run of cancelled) {
    // A reply a worker is writing is ended by that worker, final text and CANCELLED in one write
    // (endRun); one nobody holds is ended here. Replies of dead workers: closeOrphanedReplies.
    if (THREAD_RUN_KINDS.includes(run.kind) && !run.workerId) {
      const reply = await findReplyOfRun(trx, run.id);
      // (a reply waiting for a tool approval is PENDING)
      const stopped = reply?.status === 'streaming' || reply?.status === 'pending' ? await reviseMessage(trx, reply, { status: 'cancelled', finishReason: 'cancelled', expectStatus: ['streaming', 'pending'] }) : undefined;
      if (stopped) await emit(messageEvent(stopped, false));
    }
    await emit(runEvent(run));
    await goalRunEnded(services, trx, emit, run);
  }
  await rejectApprovalsOfCancelledRuns(trx, emit, cancelled.map((r) => r.id)); // [tool approval]
  return cancelled;
}

/**
 * Creates the runs that answer a new message (one per responder) with their jobs, in the
 * transaction that inserts the message, which holds the thread's lock. Busy policy per teammate:
 * QUEUE reuses a run still waiting to start (it will see this message too); INTERRUPT cancels the
 * teammate's running turn and starts a new one. The caller called `lockForRunQuota` first.
 */
export async function startRunsForMessage(
  services: AppServices,
  trx: Trx,
  emit: Emit,
  input: {
    thread: Thread;
    message: Message;
    teammateIds: string[];
    userId: string | null;
    /** The caller executes the runs itself (`tmates run`): no job is enqueued for them. */
    inline?: boolean;
  },
): Promise<Run[]> {
  const { thread, message } = input;
  const runs: Run[] = [];
  const created: Run[] = [];
  for (const teammateId of input.teammateIds) {
    const active = await lockActiveRuns(trx, thread.id, teammateId);
    if (thread.busyPolicy === 'interrupt' && active.length > 0) {
      await cancelRunsInTransaction(services, trx, emit, active.map((r) => r.id), RUN_INTERRUPTED);
    } else {
      const waiting = active.find((r) => r.status === 'queued' && r.kind === 'reply');
      if (waiting) {
        runs.push(waiting);
        continue;
      }
    }
    const id = randomUUID();
    const job = input.inline ? undefined : services.jobs.call('agents__run_turn', { runId: id, ...traceContext() }, { queueName: turnQueue(thread.id, teammateId), jobKey: runJobKey(id) });
    const run = await insertRun(trx, { orgId: thread.orgId, threadId: thread.id, teammateId, triggerMessageId: message.id, chargedTo: input.userId }, { id, job });
    runs.push(run);
    created.push(run);
  }
  await assertRunQuota(services, trx, thread.orgId, created.length);
  for (const run of created) await emit(runEvent(run));
  return runs;
}

/** `cancelRun`: stops a queued or running run of a thread the viewer is in (and what it delegated). */
export async function cancelRun(services: AppServices, viewer: Viewer, runId: string): Promise<Run> {
  return transactionWithEvents(services, async (trx, emit) => {
    const [visible] = await findVisibleRuns(trx, viewer.org.id, viewer.user.id, [runId]);
    if (!visible) throw new NotFoundError('Run');
    await lockThread(trx, visible.threadId);
    await cancelRunsInTransaction(services, trx, emit, [visible.id], null);
    return (await findRun(trx, visible.id))!;
  });
}

/** A run a worker has started: the run at its new attempt, its thread and, for replies, the message it writes. */
export interface StartedRun {
  run: Run;
  thread: Thread;
  reply: Message | null;
  /** Its teammate and organisation as they were when it started (undefined when gone). */
  teammate?: Teammate;
  org?: Org;
}

/**
 * Starts a run on a worker (or restarts it after a crash): status RUNNING at the next attempt and
 * a STREAMING reply message — the same message again if a crashed attempt left one, so a run never
 * has two replies. Locks the thread before the run (the order every writer uses). Undefined when
 * the run has already ended.
 */
export async function beginRun(services: AppServices, runId: string, workerId: string | null): Promise<StartedRun | undefined> {
  return transactionWithEvents(services, async (trx, emit) => {
    const claimed = await claimRunLockingThread(trx, runId, workerId);
    const { thread, run, teammate, org } = claimed ?? {};
    if (!thread || !run) return undefined;
    let reply: Message | null = null;
    if (THREAD_RUN_KINDS.includes(run.kind)) {
      const earlier = run.attempt > 1 ? await findReplyOfRun(trx, run.id) : undefined;
      reply = earlier
        ? ((await reviseMessage(trx, earlier, { body: '', status: 'streaming', expectStatus: ['streaming', 'pending', 'complete', 'failed', 'cancelled'] })) ?? null)
        : await appendMessage(trx, { orgId: run.orgId, threadId: run.threadId, authorKind: 'teammate', authorTeammateId: run.teammateId, body: '', status: 'streaming', runId: run.id });
      if (reply) await emit(messageEvent(reply, !earlier));
    }
    await emit(runEvent(run));
    await goalRunStarted(trx, emit, run);
    return { run, thread, reply, teammate, org };
  });
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  /** The final text (a reply's body, a delegation's answer). */
  text: string;
  error?: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  /** Some tokens were counted from the text (the provider reported none, e.g. a cancelled stream). */
  tokensEstimated?: boolean;
  throughSeq?: number | null;
  /** How the reply ended; by default STOP when it succeeded, ERROR when it failed, CANCELLED when cancelled. */
  finishReason?: FinishReason;
}

/**
 * Ends an attempt in one transaction: run status, spend (run row and usage event), the reply's
 * final text and status, and their events. If the run was cancelled meanwhile, what the attempt
 * spent and wrote is still recorded, and it stays cancelled. Returns the run as it ends up.
 */
export async function endRun(services: AppServices, started: StartedRun, outcome: RunOutcome): Promise<Run | undefined> {
  const { run, reply } = started;
  return transactionWithEvents(services, async (trx, emit) => {
    // The thread before the run (and the goal after it): the order every writer uses. The thread
    // is locked by the statement that ends the run, first (one round trip).
    const lock = reply || run.goalId ? { lockThreadId: run.threadId } : {};
    const spend = { model: outcome.model, promptTokens: outcome.promptTokens, completionTokens: outcome.completionTokens, tokensEstimated: outcome.tokensEstimated ?? false };
    const ended =
      outcome.status === 'cancelled'
        ? undefined
        : await finishRun(trx, run.id, run.attempt, { ...spend, status: outcome.status, error: outcome.error, output: outcome.text, throughSeq: outcome.throughSeq }, lock);
    const final = ended ?? (await recordCancelledSpend(trx, run.id, run.attempt, { ...spend, output: outcome.text }, lock));
    if (!final) return undefined; // a newer attempt holds the run: this one's results are void
    if (reply) {
      const status = final.status === 'succeeded' ? 'complete' : final.status === 'failed' ? 'failed' : 'cancelled';
      const written = await reviseMessage(trx, reply, {
        body: outcome.text,
        status,
        error: final.status === 'failed' ? final.error : null,
        finishReason: finishReasonOf(final.status, outcome),
        expectStatus: ['streaming', 'cancelled'],
      });
      if (written) await emit(messageEvent(written, false));
      // Only the final answer notifies (never a delta or a streaming revision).
      if (written?.status === 'complete' && written.body.trim()) await notifyAbout(services, trx, { source: 'message', id: written.id, threadId: written.threadId });
    }
    if (ended) {
      await emit(runEvent(ended));
      await goalRunEnded(services, trx, emit, ended); // a cancelled goal run was handled when it was cancelled
    }
    return final;
  });
}

/**
 * Writes the text streamed so far as a durable change of the reply (a new event position), so a
 * client that (re)subscribes mid-answer gets the partial body and continues from the deltas.
 */
export async function flushReply(services: AppServices, started: StartedRun, body: string): Promise<void> {
  const { run, reply } = started;
  if (!reply) return;
  await transactionWithEvents(services, async (trx, emit) => {
    await lockThread(trx, run.threadId);
    const current = await findRun(trx, run.id);
    if (current?.status !== 'running' || current.attempt !== run.attempt) return;
    const written = await reviseMessage(trx, reply, { body, status: 'streaming', expectStatus: ['streaming'] });
    if (written) await emit(messageEvent(written, false));
  });
}

/**
 * Keeps what a teammate said before its next step (its plan, "I'll draft three options…") as an
 * intermediate message of the run and opens a new STREAMING reply after it, in one transaction:
 * the run stays RUNNING, so its typing status stays on. `started.reply` becomes the new reply (the
 * one `endRun` finishes). Returns the new reply; undefined (nothing changed) when the run is no
 * longer running at this attempt or has no streaming reply.
 */
export async function keepIntermediateReply(services: AppServices, started: StartedRun, body: string): Promise<Message | undefined> {
  const { run, reply } = started;
  if (!reply) return undefined;
  const next = await transactionWithEvents(services, async (trx, emit) => {
    await lockThread(trx, run.threadId);
    const current = await findRun(trx, run.id);
    if (current?.status !== 'running' || current.attempt !== run.attempt) return undefined;
    const kept = await detachIntermediateReply(trx, reply, body);
    if (!kept) return undefined;
    await emit(messageEvent(kept, false));
    const opened = await appendMessage(trx, { orgId: run.orgId, threadId: run.threadId, authorKind: 'teammate', authorTeammateId: run.teammateId, body: '', status: 'streaming', runId: run.id });
    await emit(messageEvent(opened, true));
    return opened;
  });
  if (next) started.reply = next;
  return next;
}

/**
 * Fails a run nobody can finish any more (its job is gone or used up its attempts): the reply
 * keeps what was written and says what happened. No run stays RUNNING forever.
 */
export async function failAbandoned(services: AppServices, run: Run, error: string): Promise<Run | undefined> {
  return transactionWithEvents(services, async (trx, emit) => {
    await lockThread(trx, run.threadId);
    const failed = await failAbandonedRun(trx, run.id, error);
    if (!failed) return undefined;
    const reply = THREAD_RUN_KINDS.includes(failed.kind) ? await findReplyOfRun(trx, failed.id) : undefined;
    const written = reply?.status === 'streaming' ? await reviseMessage(trx, reply, { status: 'failed', error, finishReason: 'error', expectStatus: ['streaming'] }) : undefined;
    if (written) await emit(messageEvent(written, false));
    await emit(runEvent(failed));
    await goalRunEnded(services, trx, emit, failed);
    return failed;
  });
}

/** The finish reason a reply gets with the run's final status (a cancelled run is CANCELLED whatever the model said). */
function finishReasonOf(status: RunStatus, outcome: RunOutcome): FinishReason {
  if (status === 'cancelled') return 'cancelled';
  if (status === 'failed') return outcome.finishReason === 'content_filter' ? 'content_filter' : 'error';
  return outcome.finishReason ?? 'stop';
}
