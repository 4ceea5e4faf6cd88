import { planSchema, type Plan } from '../models/plan.ts';
import type { AppServices } from '../core/context.ts';
import type { Executor } from '../db/database.ts';
import { advanceJobKey } from '../repositories/jobs.ts';
import type { Emit } from '../realtime/transactional.ts';
import type { GoalChange } from '../realtime/events.ts';
import { findGoal, findTask, insertTasks, updateGoal, updateTask, type Goal } from '../repositories/goals.ts';
import { appendMessage, findReplyOfRun } from '../repositories/messages.ts';
import { RUN_INTERRUPTED, type Run } from '../repositories/runs.ts';
import { findTeammatesInOrg } from '../repositories/teammates.ts';
import { messageEvent } from './message-events.ts';
import { notifyAbout } from './notify.ts';
import { createPostIn } from './pinboard.ts';
import { postSystemMessage } from './system-messages.ts';
import { findThread } from '../repositories/threads.ts';

/**
 * What happens to a goal when one of its runs (plan, task, report) starts or ends — called inside
 * the transaction that records the run's start or end, so the goal's state moves with it.
 */

/** A task's run may fail this many times before the task counts as failed. */
export const MAX_TASK_ATTEMPTS = 2;

export const goalEvent = (goal: Pick<Goal, 'orgId' | 'threadId' | 'id'>, change: GoalChange, taskId?: string) =>
  ({ kind: 'goal', orgId: goal.orgId, threadId: goal.threadId, goalId: goal.id, change, ...(taskId ? { taskId } : {}) }) as const;

/** Asks for the goal to be moved on (deduplicated while one request waits). */
export async function requestAdvance(services: Pick<AppServices, 'jobs'>, trx: Executor, goalId: string): Promise<void> {
  await services.jobs.add(trx, 'goals__advance', { goalId }, { jobKey: advanceJobKey(goalId) });
}

/** A task's run started: the task is RUNNING. */
export async function goalRunStarted(trx: Executor, emit: Emit, run: Run): Promise<void> {
  if (!run.goalId || !run.goalTaskId) return;
  // A restarted attempt works afresh: a result an earlier attempt handed in does not stand.
  await updateTask(trx, run.goalTaskId, { status: 'running', started: true, ...(run.attempt > 1 ? { result: null } : {}) });
  await emit(goalEvent({ orgId: run.orgId, threadId: run.threadId, id: run.goalId }, 'task', run.goalTaskId));
}

/** The plan as a message in the thread: what each teammate does, when, and what "done" means. */
function planText(goal: Goal, plan: Plan, names: Map<string, string>, replan: boolean): string {
  const lines = plan.tasks.map((t, i) => {
    const after = t.dependsOn.length ? ` · after ${t.dependsOn.join(', ')}` : '';
    return `${i + 1}. **${t.title}** — ${names.get(t.assigneeId) ?? 'a teammate'}${after}\n   Done when: ${t.doneWhen}`;
  });
  return [`**${replan ? 'New plan' : 'Plan'} for:** ${goal.instruction}`, plan.summary, lines.join('\n')].filter(Boolean).join('\n\n');
}

/**
 * A goal's run ended (in the transaction that ends it). Plan: its tasks are stored and posted as
 * the plan message. Task: its result is kept (or it is retried, or restarted after an
 * interruption). Report: the report is pinned and the goal ends. Then the goal is moved on.
 */
export async function goalRunEnded(services: Pick<AppServices, 'jobs'>, trx: Executor, emit: Emit, run: Run): Promise<void> {
  if (!run.goalId) return;
  const goal = await findGoal(trx, run.goalId, true);
  if (!goal || goal.status === 'cancelled' || goal.status === 'succeeded' || goal.status === 'failed') return;
  if (run.kind === 'plan') return planEnded(services, trx, emit, goal, run);
  if (run.kind === 'task' && run.goalTaskId) return taskEnded(services, trx, emit, goal, run);
  if (run.kind === 'report') return reportEnded(services, trx, emit, goal, run);
}

/** A plan or report run interrupted by a newer message (INTERRUPT busy policy) is simply done again. */
const interrupted = (run: Run) => run.status === 'cancelled' && run.error === RUN_INTERRUPTED;

async function planEnded(services: Pick<AppServices, 'jobs'>, trx: Executor, emit: Emit, goal: Goal, run: Run): Promise<void> {
  if (interrupted(run)) return requestAdvance(services, trx, goal.id);
  if (run.status !== 'succeeded') {
    const error = run.status === 'cancelled' ? 'Planning was stopped.' : `Planning failed: ${run.error ?? 'unknown error'}`;
    await updateGoal(trx, goal.id, { status: run.status === 'cancelled' ? 'cancelled' : 'failed', error, finished: true });
    await emit(goalEvent(goal, 'status'));
    if (run.status === 'failed') {
      await notifyAbout(services, trx, { source: 'goal', id: goal.id, threadId: goal.threadId });
      const thread = await findThread(trx, goal.threadId);
      if (thread) await postSystemMessage(trx, emit, thread, `The goal could not be planned: ${run.error ?? 'unknown error'}`);
    }
    return;
  }
  const plan = planSchema.parse(JSON.parse(run.output ?? '{}'));
  await insertTasks(trx, goal, goal.round, plan.tasks);
  const names = new Map((await findTeammatesInOrg(trx, goal.orgId, [...new Set(plan.tasks.map((t) => t.assigneeId))])).map((t) => [t.id, t.name]));
  const message = await appendMessage(trx, {
    orgId: goal.orgId,
    threadId: goal.threadId,
    authorKind: 'teammate',
    authorTeammateId: run.teammateId,
    body: plan.tasks.length ? planText(goal, plan, names, goal.round > 0) : `**No way forward for:** ${goal.instruction}\n\n${plan.summary}`,
    runId: run.id,
    metadata: { goalId: goal.id, kind: 'plan' },
  });
  await emit(messageEvent(message, true));
  await updateGoal(trx, goal.id, { status: 'running', started: true, ...(goal.round === 0 ? { planMessageId: message.id } : {}) });
  await emit(goalEvent(goal, 'planned'));
  await requestAdvance(services, trx, goal.id);
}

async function taskEnded(services: Pick<AppServices, 'jobs'>, trx: Executor, emit: Emit, goal: Goal, run: Run): Promise<void> {
  const task = await findTask(trx, run.goalTaskId!);
  if (!task || ['succeeded', 'failed', 'skipped', 'cancelled'].includes(task.status)) return;
  if (run.status === 'succeeded') {
    await updateTask(trx, task.id, { status: 'succeeded', result: task.result ?? run.output, error: null, finished: true });
  } else if (interrupted(run)) {
    // A person wrote to this teammate (busy policy INTERRUPT): do it again, with the new message in view.
    await updateTask(trx, task.id, { status: 'pending', error: 'Interrupted; restarting', result: null, progress: null });
  } else if (run.status === 'cancelled') {
    await updateTask(trx, task.id, { status: 'cancelled', error: run.error ?? 'Its run was cancelled', finished: true });
  } else if (task.attempts + 1 < MAX_TASK_ATTEMPTS) {
    await updateTask(trx, task.id, { status: 'pending', error: run.error, attempt: true, result: null, progress: null });
  } else {
    await updateTask(trx, task.id, { status: 'failed', error: run.error ?? 'The task failed', attempt: true, finished: true });
  }
  await emit(goalEvent(goal, 'task', task.id));
  await requestAdvance(services, trx, goal.id);
}

async function reportEnded(services: Pick<AppServices, 'jobs'>, trx: Executor, emit: Emit, goal: Goal, run: Run): Promise<void> {
  if (interrupted(run)) return requestAdvance(services, trx, goal.id);
  const reply = await findReplyOfRun(trx, run.id);
  if (run.status !== 'succeeded' || !run.output) {
    const error = run.status === 'cancelled' ? 'The report was stopped.' : `The report could not be written: ${run.error ?? 'unknown error'}`;
    await updateGoal(trx, goal.id, { status: run.status === 'cancelled' ? 'cancelled' : 'failed', error: goal.error ?? error, reportMessageId: reply?.id ?? null, finished: true });
    await emit(goalEvent(goal, 'status'));
    if (run.status !== 'cancelled') await notifyAbout(services, trx, { source: 'goal', id: goal.id, threadId: goal.threadId });
    return;
  }
  const brief = goal.instruction.length > 120 ? `${goal.instruction.slice(0, 119)}…` : goal.instruction;
  const post = await createPostIn(
    trx,
    emit,
    { kind: 'teammate', orgId: goal.orgId, teammateId: run.teammateId, threadId: goal.threadId, runId: run.id },
    { title: `Report: ${brief}`, body: run.output, priority: goal.error ? 'high' : 'normal', pinned: false, tags: ['goal-report'] },
    { goalId: goal.id },
  );
  await updateGoal(trx, goal.id, {
    status: goal.error ? 'failed' : 'succeeded',
    report: run.output,
    reportMessageId: reply?.id ?? null,
    pinboardPostId: post.id,
    finished: true,
  });
  await emit(goalEvent(goal, 'status'));
  await notifyAbout(services, trx, { source: 'goal', id: goal.id, threadId: goal.threadId });
}
