import type { Transaction } from 'kysely';
import { z } from 'zod';
import { bestFitByRole } from '../models/routing.ts';
import type { DB } from '../db/schema.ts';
import { runJobKey, turnQueue } from '../repositories/jobs.ts';
import { traceContext } from '../observability/tracing.ts';
import { transactionWithEvents, type Emit } from '../realtime/transactional.ts';
import {
  ACTIVE_GOAL_STATUSES,
  activeGoalsOfThread,
  activeRunIdsOfGoal,
  closeOpenTasks,
  findGoal,
  findVisibleGoals,
  insertGoal,
  lockAndCountActiveGoalsOf,
  tasksOfGoals,
  tokensSpentOnGoals,
  updateGoal,
  updateTask,
  type Goal,
  type GoalTask,
} from '../repositories/goals.ts';
import { appendMessage } from '../repositories/messages.ts';
import type { Org } from '../repositories/orgs.ts';
import { hasActiveGoalRun, insertRun, lockActiveRuns, type Run, type RunKind } from '../repositories/runs.ts';
import { hiredTeammatesInThread, type Teammate } from '../repositories/teammates.ts';
import { lockThread, lockThreadOfMember, type Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { goalEvent } from './goal-runs.ts';
import { messageEvent } from './message-events.ts';
import { cancelRunsInTransaction, lockForRunQuota, runEvent, runsLeftThisMonth } from './runs.ts';
import { readOrgSettings } from './settings.ts';
import { postSystemMessage } from './system-messages.ts';
import { parseInput } from './validation.ts';
import type { Viewer } from '../core/viewer.ts';
import { assertNamedTeammatesPresent } from './goal-names.ts';
import { textSchema } from './text.ts';

type Trx = Transaction<DB>;

/** How a goal is asked for: by a person (createGoal) or by a schedule. */
export const goalRequestSchema = z.object({
  instruction: textSchema({ max: 4000, multiline: true }),
  teammateIds: z.array(z.string()).max(20, 'at most 20 teammates').default([]),
  coordinatorId: z.string().nullish(),
  tokenBudget: z.number().int().min(1_000, 'must be at least 1000').max(100_000_000, 'must be at most 100000000').nullish(),
});

const createGoalSchema = goalRequestSchema.extend({
  deadline: z
    .date()
    .nullish()
    .refine((d) => !d || d.getTime() > Date.now(), { message: 'must be in the future' }),
});

/** The team of a goal and who coordinates it, from the thread's hired teammates. */
export function chooseTeam(
  members: Teammate[],
  thread: Pick<Thread, 'leadTeammateId'>,
  wanted: { teammateIds: string[]; coordinatorId?: string | null },
): { team: Teammate[]; coordinator: Teammate } {
  if (members.length === 0) throw new ValidationError([{ field: 'threadId', message: 'this thread has no teammates; add one first' }]);
  const find = (id: string) => {
    const teammate = members.find((m) => m.id === id);
    if (!teammate) throw new NotFoundError('Teammate');
    return teammate;
  };
  const team = wanted.teammateIds.length ? [...new Set(wanted.teammateIds)].map(find) : members;
  // The one given, else the thread's lead, else whoever fits coordinating best by role, else the first.
  const coordinator = wanted.coordinatorId
    ? find(wanted.coordinatorId)
    : (members.find((m) => m.id === thread.leadTeammateId) ?? bestFitByRole('project coordinator: plans, tasks, coordinates', members) ?? team[0]!);
  return { team, coordinator };
}

/** Enqueues one of a goal's runs in the thread, in its teammate's queue (after what it is already doing). */
async function startGoalRun(
  services: Pick<AppServices, 'jobs'>,
  trx: Trx,
  emit: Emit,
  goal: Goal,
  values: { kind: RunKind; teammateId: string; goalTaskId?: string },
): Promise<Run> {
  const run = await insertRun(trx, {
    orgId: goal.orgId,
    threadId: goal.threadId,
    teammateId: values.teammateId,
    kind: values.kind,
    goalId: goal.id,
    goalTaskId: values.goalTaskId ?? null,
    triggerMessageId: goal.requestMessageId,
    chargedTo: goal.createdBy,
  });
  await services.jobs.add(trx, 'agents__run_turn', { runId: run.id, ...traceContext() }, { queueName: turnQueue(goal.threadId, values.teammateId), jobKey: runJobKey(run.id) });
  await emit(runEvent(run));
  return run;
}

/**
 * Starts a goal in a locked thread: the goal row, the request as a message in the thread, and the
 * coordinator's plan run. Undefined when a schedule's occurrence already has its goal.
 */
export async function startGoal(
  services: AppServices,
  trx: Trx,
  emit: Emit,
  input: {
    thread: Thread;
    org: Org;
    createdBy: string | null;
    request: z.output<typeof goalRequestSchema>;
    deadline?: Date | null;
    schedule?: { id: string; occurrenceAt: Date };
  },
): Promise<Goal | undefined> {
  const { thread, request } = input;
  const members = await hiredTeammatesInThread(trx, thread.id);
  const { team, coordinator } = chooseTeam(members, thread, request);
  await assertNamedTeammatesPresent(trx, thread.orgId, request.instruction, members);
  const inserted = await insertGoal(trx, {
    orgId: thread.orgId,
    threadId: thread.id,
    createdBy: input.createdBy,
    instruction: request.instruction,
    coordinatorId: coordinator.id,
    teammateIds: team.map((t) => t.id),
    tokenBudget: request.tokenBudget ?? readOrgSettings(input.org.settings).goalTokenBudget,
    deadline: input.deadline,
    scheduleId: input.schedule?.id,
    occurrenceAt: input.schedule?.occurrenceAt,
  });
  if (!inserted) return undefined;
  const message = await appendMessage(trx, {
    orgId: thread.orgId,
    threadId: thread.id,
    authorKind: input.createdBy && !input.schedule ? 'user' : 'system',
    authorUserId: input.schedule ? null : input.createdBy,
    body: input.schedule ? `Scheduled goal: ${request.instruction}` : `Goal: ${request.instruction}`,
    metadata: { goalId: inserted.id, kind: 'goal' },
  });
  await emit(messageEvent(message, true));
  const goal = await updateGoal(trx, inserted.id, { requestMessageId: message.id });
  const left = await runsLeftThisMonth(services, trx, goal.orgId);
  if (left !== null && left < 1) throw new ValidationError([{ field: 'threadId', message: 'the plan’s teammate runs for this month are used up' }]);
  await startGoalRun(services, trx, emit, goal, { kind: 'plan', teammateId: coordinator.id });
  await emit(goalEvent(goal, 'created'));
  return goal;
}

/** `createGoal`: the team gets an outcome to reach; the coordinator plans it right away, in the background. */
export async function createGoal(services: AppServices, viewer: Viewer, threadId: string, input: unknown): Promise<Goal> {
  const values = parseInput(createGoalSchema, input);
  return transactionWithEvents(services, async (trx, emit) => {
    await lockForRunQuota(services, trx, viewer.org.id);
    const thread = await lockThreadOfMember(trx, viewer.org.id, viewer.user.id, threadId);
    if (!thread) throw new NotFoundError('Thread');
    if (thread.archivedAt) throw new ConflictError('This thread is archived; unarchive it to give it a goal');
    const max = readOrgSettings(viewer.org.settings).maxActiveGoalsPerPerson;
    const active = await lockAndCountActiveGoalsOf(trx, viewer.org.id, viewer.user.id);
    if (active >= max) {
      throw new ConflictError(
        `You have ${active} goals in progress, the most this organisation allows at once (${max}); wait for one to finish or cancel one`,
      );
    }
    return (await startGoal(services, trx, emit, { thread, org: viewer.org, createdBy: viewer.user.id, request: values, deadline: values.deadline }))!;
  });
}

/** A goal the viewer can see (they are in its thread). */
export async function visibleGoal(services: Pick<AppServices, 'db'>, viewer: Viewer, goalId: string): Promise<Goal> {
  const [goal] = await findVisibleGoals(services.db, viewer.org.id, viewer.user.id, [goalId]);
  if (!goal) throw new NotFoundError('Goal');
  return goal;
}

/** Stops a goal inside a transaction that holds its thread's lock: its runs are cancelled (model calls aborted), open tasks closed. */
export async function stopGoalInTransaction(services: Pick<AppServices, 'jobs'>, trx: Trx, emit: Emit, goalId: string, reason: string): Promise<{ goal: Goal; runs: Run[] } | undefined> {
  const goal = await findGoal(trx, goalId, true);
  if (!goal || !ACTIVE_GOAL_STATUSES.includes(goal.status)) return undefined;
  const stopped = await updateGoal(trx, goal.id, { status: 'cancelled', error: reason, finished: true });
  const runs = await cancelRunsInTransaction(services, trx, emit, await activeRunIdsOfGoal(trx, goal.id), reason);
  await closeOpenTasks(trx, goal.id, 'cancelled', reason);
  await emit(goalEvent(goal, 'status'));
  return { goal: stopped, runs };
}

/**
 * Stops everything working in a thread (inside a transaction that holds its lock): its goals in
 * progress and every run, model calls aborted. Returns the goals stopped and the runs cancelled.
 */
export async function stopThreadWork(services: Pick<AppServices, 'jobs'>, trx: Trx, emit: Emit, threadId: string, reason: string): Promise<{ goals: Goal[]; runs: Run[] }> {
  const goals = await activeGoalsOfThread(trx, threadId);
  const runs: Run[] = [];
  for (const goal of goals) runs.push(...((await stopGoalInTransaction(services, trx, emit, goal.id, reason))?.runs ?? []));
  const active = await lockActiveRuns(trx, threadId);
  runs.push(...(await cancelRunsInTransaction(services, trx, emit, active.map((r) => r.id), reason)));
  return { goals, runs };
}

/** `cancelGoal`: stops every queued and running run of the goal and marks it CANCELLED. */
export async function cancelGoal(services: AppServices, viewer: Viewer, goalId: string): Promise<Goal> {
  const goal = await visibleGoal(services, viewer, goalId);
  return transactionWithEvents(services, async (trx, emit) => {
    const thread = (await lockThread(trx, goal.threadId))!;
    const stopped = await stopGoalInTransaction(services, trx, emit, goal.id, `Cancelled by ${viewer.user.displayName}`);
    if (!stopped) return (await findGoal(trx, goal.id))!;
    await postSystemMessage(trx, emit, thread, `Goal cancelled: ${goal.instruction.length > 120 ? `${goal.instruction.slice(0, 119)}…` : goal.instruction}`);
    return stopped.goal;
  });
}

const finishedOk = (t: GoalTask) => t.status === 'succeeded';

/**
 * Moves a goal on (the `goals__advance` job), under the goal's row lock so moves never overlap:
 * starts every task whose dependencies are done (independent ones at once), re-plans once after a
 * failed task, and asks the coordinator for the final report when everything is done, when a task
 * failed for good, or when the token budget, the plan's runs or the deadline ran out — runaway
 * background work is impossible.
 */
export async function advanceGoal(services: AppServices, goalId: string): Promise<void> {
  await transactionWithEvents(services, async (trx, emit) => {
    // Locks in the order every writer takes them: organisation (quota), thread, then the goal.
    const unlocked = await findGoal(trx, goalId);
    if (!unlocked) return;
    await lockForRunQuota(services, trx, unlocked.orgId);
    await lockThread(trx, unlocked.threadId);
    const goal = await findGoal(trx, goalId, true);
    if (!goal) return;
    // Planning or reporting whose run was interrupted (or lost): start it again.
    if (goal.status === 'planning' || goal.status === 'reporting') {
      const kind = goal.status === 'planning' ? 'plan' : 'report';
      if (!(await hasActiveGoalRun(trx, goal.id, kind))) await startGoalRun(services, trx, emit, goal, { kind, teammateId: goal.coordinatorId });
      return;
    }
    if (goal.status !== 'running') return;
    const tasks = ((await tasksOfGoals(trx, [goal.id])).get(goal.id) ?? []).filter((t) => t.round === goal.round);
    const active = tasks.filter((t) => t.status === 'queued' || t.status === 'running');
    const report = async (error: string | null) => {
      if (active.length > 0) return; // what is under way finishes first
      if (error) await closeOpenTasks(trx, goal.id, 'skipped', error);
      await updateGoal(trx, goal.id, { status: 'reporting', error });
      await startGoalRun(services, trx, emit, goal, { kind: 'report', teammateId: goal.coordinatorId });
      await emit(goalEvent(goal, 'status'));
    };

    if (tasks.length === 0) return report('The coordinator found no way to reach the goal.');
    if (tasks.every(finishedOk)) return report(null);
    const spent = (await tokensSpentOnGoals(trx, [goal.id])).get(goal.id) ?? 0;
    const outOfTime =
      spent >= goal.tokenBudget
        ? `The token budget (${goal.tokenBudget}) is spent (${spent} used); the remaining tasks were not started.`
        : goal.deadline && goal.deadline.getTime() <= Date.now()
          ? 'The deadline passed; the remaining tasks were not started.'
          : null;
    const failed = tasks.filter((t) => t.status === 'failed' || t.status === 'cancelled');
    if (failed.length > 0) {
      if (active.length > 0) return;
      if (goal.round === 0 && !outOfTime) {
        // The coordinator decides what to do about it: a new plan for what is missing (or none).
        await closeOpenTasks(trx, goal.id, 'skipped', 'Re-planned after a failed task');
        const replanning = await updateGoal(trx, goal.id, { status: 'planning', round: goal.round + 1 });
        await startGoalRun(services, trx, emit, replanning, { kind: 'plan', teammateId: goal.coordinatorId });
        await emit(goalEvent(goal, 'status'));
        return;
      }
      const what = `${failed.length === 1 ? 'A task' : `${failed.length} tasks`} failed: ${failed.map((t) => `${t.title} (${t.error ?? 'failed'})`).join('; ')}`;
      return report(outOfTime ? `${what}. ${outOfTime}` : what);
    }
    if (outOfTime) return report(outOfTime);

    const ready = tasks.filter((t) => t.status === 'pending' && t.dependsOn.every((d) => tasks.find((o) => o.id === d)?.status === 'succeeded'));
    const left = await runsLeftThisMonth(services, trx, goal.orgId);
    if (left !== null && left < ready.length) return report('The plan’s teammate runs for this month are used up; the remaining tasks were not started.');
    for (const task of ready) {
      await updateTask(trx, task.id, { status: 'queued' });
      await startGoalRun(services, trx, emit, goal, { kind: 'task', teammateId: task.assigneeId, goalTaskId: task.id });
      await emit(goalEvent(goal, 'task', task.id));
    }
  });
}
