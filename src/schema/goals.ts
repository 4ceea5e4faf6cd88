import { ACTIVE_GOAL_STATUSES, findVisibleGoals, tasksOfGoals, tokensSpentOnGoals, type Goal, type GoalTask } from '../repositories/goals.ts';
import { findVisibleSchedules, type Schedule } from '../repositories/schedules.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { MessageRef } from './messages.ts';
import { PinboardPostRef } from './pinboard.ts';
import { RunRef } from './runs.ts';
import { TeammateRef } from './teammates.ts';
import { ThreadRef } from './threads.ts';
import { UserRef } from './users.ts';
import { latestRunsOfTasks, runsOfGoals } from '../repositories/run-lists.ts';
import type { Run } from '../repositories/runs.ts';

export const GoalStatusEnum = builder.enumType('GoalStatus', {
  description: 'Where a goal stands.',
  values: {
    PLANNING: { value: 'planning', description: 'The coordinator is planning (or re-planning) the tasks.' },
    RUNNING: { value: 'running', description: 'Tasks are being worked on, in dependency order.' },
    REPORTING: { value: 'reporting', description: 'The coordinator is writing the final report.' },
    SUCCEEDED: { value: 'succeeded', description: 'Every task is done and the report is in.' },
    FAILED: { value: 'failed', description: 'It stopped short (a task failed, the budget or the deadline ran out); the report says what is missing.' },
    CANCELLED: { value: 'cancelled', description: 'Stopped on request.' },
  } as const,
});

export const GoalTaskStatusEnum = builder.enumType('GoalTaskStatus', {
  description: 'Where a task of a goal stands.',
  values: {
    PENDING: { value: 'pending', description: 'Waiting for the tasks it depends on.' },
    QUEUED: { value: 'queued', description: 'Ready; waiting for its teammate.' },
    RUNNING: { value: 'running', description: 'Its teammate is working on it.' },
    SUCCEEDED: { value: 'succeeded', description: 'Done; see `result`.' },
    FAILED: { value: 'failed', description: 'Failed after its retries; see `error`.' },
    CANCELLED: { value: 'cancelled', description: 'Stopped with the goal.' },
    SKIPPED: { value: 'skipped', description: 'Not started: the goal was re-planned or stopped early.' },
  } as const,
});

const tasksOf = batched<GoalTask[]>((ctx, ids) => tasksOfGoals(ctx.db, ids), []);
const tokensOf = batched<number>((ctx, ids) => tokensSpentOnGoals(ctx.db, ids), 0);
const runsOf = batched<Run[]>((ctx, ids) => runsOfGoals(ctx.db, ids), []);

const GoalProgressRef = builder.objectRef<{ tasks: GoalTask[] }>('GoalProgress').implement({
  description: 'How far a goal is, over the tasks of its current plan.',
  fields: (t) => ({
    done: t.int({ description: 'Tasks succeeded.', resolve: (p) => p.tasks.filter((x) => x.status === 'succeeded').length }),
    failed: t.int({ description: 'Tasks failed.', resolve: (p) => p.tasks.filter((x) => x.status === 'failed').length }),
    total: t.int({ description: 'Tasks in the plan.', resolve: (p) => p.tasks.length }),
  }),
});

export const GoalTaskRef = builder.objectRef<GoalTask>('GoalTask').implement({
  description: 'One task of a goal’s plan, for one teammate.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable id of the task within its goal.' }),
    position: t.exposeInt('position', { description: '1, 2, 3… within its plan.' }),
    round: t.exposeInt('round', { description: 'Which plan it belongs to: 0, or 1 after a re-plan.' }),
    title: t.exposeString('title', { description: 'What it is.' }),
    instructions: t.exposeString('instructions', { description: 'What to do.' }),
    doneWhen: t.exposeString('doneWhen', { description: 'What "done" means.' }),
    assignee: t.field({ type: TeammateRef, description: 'Who does it.', resolve: (task) => task.assigneeId }),
    status: t.field({ type: GoalTaskStatusEnum, description: 'Where it stands.', resolve: (task) => task.status }),
    result: t.exposeString('result', { nullable: true, description: 'What its teammate handed in.' }),
    progress: t.exposeString('progress', { nullable: true, description: 'The latest progress note (`report_progress`).' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed or was skipped.' }),
    attempts: t.exposeInt('attempts', { description: 'Failed attempts so far.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When work on it started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
  }),
});

builder.objectField(GoalTaskRef, 'dependsOn', (t) =>
  t.field({
    type: [GoalTaskRef],
    description: 'Tasks that must be done first.',
    resolve: async (task, _a, ctx) => (await tasksOf(ctx, task.goalId)).filter((other) => task.dependsOn.includes(other.id)),
  }),
);

export const GoalRef = builder.loadableNode('Goal', {
  description: 'An outcome the team was asked for in plain language: planned by a coordinator, worked on in the background, reported back.',
  id: { resolve: (g: Goal) => g.id },
  sort: (g) => g.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findVisibleGoals(ctx.db, ctx.viewer.org.id, ctx.viewer.user.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    instruction: t.exposeString('instruction', { description: 'What was asked for.' }),
    status: t.field({ type: GoalStatusEnum, description: 'Where it stands.', resolve: (g) => g.status }),
    thread: t.field({ type: ThreadRef, description: 'Where it was asked for and reports.', resolve: (g) => g.threadId }),
    coordinator: t.field({ type: TeammateRef, description: 'Who plans it and writes the report.', resolve: (g) => g.coordinatorId }),
    team: t.field({ type: [TeammateRef], description: 'Teammates who may get tasks.', resolve: (g) => g.teammateIds }),
    createdBy: t.field({ type: UserRef, nullable: true, description: 'Who asked (null for a scheduled goal whose author left).', resolve: (g) => g.createdBy }),
    tasks: t.field({
      type: [GoalTaskRef],
      args: { allRounds: t.arg.boolean({ description: 'Include tasks of an earlier plan (before a re-plan).' }) },
      description: 'The plan: tasks in order (of the current plan, unless `allRounds`).',
      resolve: async (g, args, ctx) => (await tasksOf(ctx, g.id)).filter((task) => args.allRounds || task.round === g.round),
    }),
    progress: t.field({
      type: GoalProgressRef,
      description: 'Tasks done out of the current plan’s.',
      resolve: async (g, _a, ctx) => ({ tasks: (await tasksOf(ctx, g.id)).filter((task) => task.round === g.round) }),
    }),
    runs: t.field({ type: [RunRef], description: 'Its runs (planning, tasks, report), oldest first.', resolve: (g, _a, ctx) => runsOf(ctx, g.id) }),
    tokenBudget: t.exposeInt('tokenBudget', { description: 'Tokens it may spend; no new task starts once they are spent.' }),
    tokensUsed: t.int({ description: 'Tokens spent so far by all its runs.', resolve: (g, _a, ctx) => tokensOf(ctx, g.id) }),
    deadline: t.expose('deadline', { type: 'DateTime', nullable: true, description: 'No new task starts after this.' }),
    replanned: t.boolean({ description: 'It was re-planned after a failed task.', resolve: (g) => g.round > 0 }),
    report: t.exposeString('report', { nullable: true, description: 'The final report (markdown).' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it stopped short, when it did.' }),
    requestMessage: t.field({ type: MessageRef, nullable: true, description: 'The message that asked for it.', resolve: (g) => g.requestMessageId }),
    planMessage: t.field({ type: MessageRef, nullable: true, description: 'The plan, as posted in the thread.', resolve: (g) => g.planMessageId }),
    reportMessage: t.field({ type: MessageRef, nullable: true, description: 'The report, as posted in the thread.', resolve: (g) => g.reportMessageId }),
    pinboardPost: t.field({ type: PinboardPostRef, nullable: true, description: 'The report, pinned.', resolve: (g) => g.pinboardPostId }),
    viewerCanCancel: t.boolean({ description: 'It is still planning, running or reporting.', resolve: (g) => ACTIVE_GOAL_STATUSES.includes(g.status) }),
    occurrenceAt: t.expose('occurrenceAt', { type: 'DateTime', nullable: true, description: 'For a scheduled goal: the occurrence it is for.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When work started (the plan was in).' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was asked for.' }),
  }),
});

export const ScheduleRef = builder.loadableNode('Schedule', {
  description: 'A recurring goal: every occurrence of `cron` (in `timezone`) becomes a goal in the thread.',
  id: { resolve: (s: Schedule) => s.id },
  sort: (s) => s.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findVisibleSchedules(ctx.db, ctx.viewer.org.id, ctx.viewer.user.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    instruction: t.exposeString('instruction', { description: 'What each occurrence asks for.' }),
    cron: t.exposeString('cron', { description: 'Five-field cron expression, e.g. `0 9 * * 1-5`.' }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone the expression is read in.' }),
    paused: t.exposeBoolean('paused', { description: 'Paused schedules fire nothing.' }),
    nextRunAt: t.expose('nextRunAt', { type: 'DateTime', nullable: true, description: 'When it fires next.' }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true, description: 'The last occurrence it fired.' }),
    thread: t.field({ type: ThreadRef, description: 'Where its goals go.', resolve: (s) => s.threadId }),
    team: t.field({ type: [TeammateRef], description: 'Teammates its goals use (empty: the thread’s).', resolve: (s) => s.teammateIds }),
    coordinator: t.field({ type: TeammateRef, nullable: true, description: 'Coordinator of its goals (null: chosen each time).', resolve: (s) => s.coordinatorId }),
    tokenBudget: t.exposeInt('tokenBudget', { nullable: true, description: 'Budget of each goal (null: the organisation’s default).' }),
    createdBy: t.field({ type: UserRef, nullable: true, description: 'Who set it up.', resolve: (s) => s.createdBy }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was set up.' }),
  }),
});

const latestRunOf = batched<Run | null>((ctx, ids) => latestRunsOfTasks(ctx.db, ids), null);

builder.objectField(GoalTaskRef, 'run', (t) =>
  t.field({ type: RunRef, nullable: true, description: 'Its latest run (a task is retried or restarted with a new one).', resolve: (task, _a, ctx) => latestRunOf(ctx, task.id) }),
);

builder.objectFields(RunRef, (t) => ({
  goal: t.field({ type: GoalRef, nullable: true, description: 'The goal it works for (plan, task and report runs).', resolve: (r: Run) => r.goalId }),
}));
