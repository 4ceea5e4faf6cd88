import { encodeGlobalID, resolveCursorConnection } from '@pothos/plugin-relay';
import { listVisibleGoals, type Goal } from '../repositories/goals.ts';
import { listVisibleSchedules, type Schedule } from '../repositories/schedules.ts';
import { freshLoaders } from '../schema/batched.ts';
import { builder } from '../schema/builder.ts';
import { decodePosition, encodePosition } from '../schema/cursors.ts';
import { GoalEventRef } from '../schema/goal-events.ts';
import { GoalRef, GoalStatusEnum, ScheduleRef } from '../schema/goals.ts';
import { TeammateRef } from '../schema/teammates.ts';
import { ThreadRef } from '../schema/threads.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, PlanLimitError, ValidationError } from '../services/errors.ts';
import type { GoalEventPayload } from '../services/goal-events.ts';
import { subscribeGoalEvents } from '../services/goal-events.ts';
import { cancelGoal, createGoal } from '../services/goals.ts';
import { deleteSchedule, pauseSchedule, scheduleGoal } from '../services/schedules.ts';
import { defined } from './defined.ts';

const ids = (list: ReadonlyArray<{ id: string }> | null | undefined) => (list ?? []).map((g) => g.id);

builder.queryFields((t) => ({
  goals: t.connection({
    type: GoalRef,
    description: 'Goals in the caller’s threads, newest first.',
    args: {
      status: t.arg({ type: GoalStatusEnum, description: 'Only goals in this status.' }),
      threadId: t.arg.globalID({ for: ThreadRef, description: 'Only this thread’s.' }),
    },
    resolve: (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      return resolveCursorConnection<Promise<Goal[]>>(
        { args, toCursor: (g) => encodePosition(g.createdAt, g.id), defaultSize: 20, maxSize: 100 },
        ({ after, before, limit, inverted }) =>
          listVisibleGoals(ctx.db, viewer.org.id, viewer.user.id, { status: args.status ?? undefined, threadId: args.threadId?.id }, {
            limit,
            inverted,
            after: decodePosition(after),
            before: decodePosition(before),
          }),
      );
    },
  }),
  goal: t.field({
    type: GoalRef,
    nullable: true,
    description: 'One goal in the caller’s threads; null if there is none with that id.',
    args: { id: t.arg.globalID({ required: true, for: GoalRef, description: 'Goal id.' }) },
    resolve: (_root, args, ctx) => {
      requireViewer(ctx);
      return args.id.id;
    },
  }),
  schedules: t.connection({
    type: ScheduleRef,
    description: 'Recurring goals in the caller’s threads, newest first.',
    args: { threadId: t.arg.globalID({ for: ThreadRef, description: 'Only this thread’s.' }) },
    resolve: (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      return resolveCursorConnection<Promise<Schedule[]>>(
        { args, toCursor: (s) => encodePosition(s.createdAt, s.id), defaultSize: 20, maxSize: 100 },
        ({ after, before, limit, inverted }) =>
          listVisibleSchedules(ctx.db, viewer.org.id, viewer.user.id, { threadId: args.threadId?.id }, {
            limit,
            inverted,
            after: decodePosition(after),
            before: decodePosition(before),
          }),
      );
    },
  }),
}));

const CreateGoalInput = builder.inputType('CreateGoalInput', {
  description: 'An outcome for the team to reach, in plain language.',
  fields: (t) => ({
    threadId: t.globalID({ required: true, for: ThreadRef, description: 'A team thread (or a direct thread: its teammate does it all).' }),
    instruction: t.string({ required: true, description: 'What you want, in plain language (1–4000 characters).' }),
    teammateIds: t.globalIDList({ for: TeammateRef, description: 'Teammates of the thread who may get tasks (default: all of them).' }),
    coordinatorId: t.globalID({ for: TeammateRef, description: 'Who plans and reports (default: the thread’s lead, else the best fit).' }),
    deadline: t.field({ type: 'DateTime', description: 'No new task starts after this.' }),
    tokenBudget: t.int({ description: 'Most tokens it may spend (default: the organisation’s goal budget).' }),
  }),
});

const ScheduleGoalInput = builder.inputType('ScheduleGoalInput', {
  description: 'A recurring goal.',
  fields: (t) => ({
    threadId: t.globalID({ required: true, for: ThreadRef, description: 'Where its goals go.' }),
    instruction: t.string({ required: true, description: 'What each occurrence asks for.' }),
    cron: t.string({ required: true, description: 'Five-field cron expression, e.g. `0 9 * * 1-5` (09:00 on weekdays).' }),
    timezone: t.string({ required: true, description: 'IANA time zone, e.g. `Europe/Paris`.' }),
    teammateIds: t.globalIDList({ for: TeammateRef, description: 'Teammates its goals use (default: the thread’s at the time).' }),
    coordinatorId: t.globalID({ for: TeammateRef, description: 'Coordinator of its goals.' }),
    tokenBudget: t.int({ description: 'Budget of each goal.' }),
  }),
});

const GoalIdInput = builder.inputType('CancelGoalInput', {
  description: 'A goal to stop.',
  fields: (t) => ({ goalId: t.globalID({ required: true, for: GoalRef, description: 'The goal.' }) }),
});

const PauseScheduleInput = builder.inputType('PauseScheduleInput', {
  description: 'Pause or resume a schedule.',
  fields: (t) => ({
    scheduleId: t.globalID({ required: true, for: ScheduleRef, description: 'The schedule.' }),
    paused: t.boolean({ description: 'true (the default) pauses; false resumes from the next occurrence.' }),
  }),
});

const DeleteScheduleInput = builder.inputType('DeleteScheduleInput', {
  description: 'A schedule to delete (its goals stay).',
  fields: (t) => ({ scheduleId: t.globalID({ required: true, for: ScheduleRef, description: 'The schedule.' }) }),
});

const DeleteSchedulePayload = builder.objectRef<{ deletedScheduleId: string }>('DeleteSchedulePayload').implement({
  description: 'The schedule is gone.',
  fields: (t) => ({ deletedScheduleId: t.id({ description: 'Global id of the deleted schedule.', resolve: (p) => p.deletedScheduleId }) }),
});

builder.mutationFields((t) => ({
  createGoal: t.field({
    type: GoalRef,
    description:
      'Gives the team an outcome to reach: the coordinator plans tasks for teammates, they work in the background in dependency order (independent ones at once), post their results in the thread, and the coordinator reports back (in the thread and on the pinboard).',
    errors: { types: [ValidationError, NotFoundError, ConflictError, PlanLimitError] },
    args: { input: t.arg({ type: CreateGoalInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      createGoal(ctx.services, requireViewer(ctx), input.threadId.id, {
        ...defined({ instruction: input.instruction, deadline: input.deadline, tokenBudget: input.tokenBudget }),
        teammateIds: ids(input.teammateIds),
        coordinatorId: input.coordinatorId?.id,
      }),
  }),
  cancelGoal: t.field({
    type: GoalRef,
    description: 'Stops a goal: every queued and running run of it is cancelled (model calls aborted) and it becomes CANCELLED. A finished goal is returned as it is.',
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: GoalIdInput, required: true }) },
    resolve: (_root, { input }, ctx) => cancelGoal(ctx.services, requireViewer(ctx), input.goalId.id),
  }),
  scheduleGoal: t.field({
    type: ScheduleRef,
    description: 'A recurring goal: at every occurrence of `cron` (in `timezone`) a goal like createGoal’s starts in the thread.',
    errors: { types: [ValidationError, NotFoundError] },
    args: { input: t.arg({ type: ScheduleGoalInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      scheduleGoal(ctx.services, requireViewer(ctx), input.threadId.id, {
        ...defined({ instruction: input.instruction, cron: input.cron, timezone: input.timezone, tokenBudget: input.tokenBudget }),
        teammateIds: ids(input.teammateIds),
        coordinatorId: input.coordinatorId?.id,
      }),
  }),
  pauseSchedule: t.field({
    type: ScheduleRef,
    description: 'Pauses (or, with `paused: false`, resumes) a schedule. Needs its creator, or an owner or admin (else ForbiddenError).',
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: PauseScheduleInput, required: true }) },
    resolve: (_root, { input }, ctx) => pauseSchedule(ctx.services, requireViewer(ctx), input.scheduleId.id, input.paused ?? true),
  }),
  deleteSchedule: t.field({
    type: DeleteSchedulePayload,
    description: 'Deletes a schedule; the goals it made stay. Needs its creator, or an owner or admin (else ForbiddenError).',
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: DeleteScheduleInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await deleteSchedule(ctx.services, requireViewer(ctx), input.scheduleId.id);
      return { deletedScheduleId: encodeGlobalID('Schedule', input.scheduleId.id) };
    },
  }),
}));

builder.subscriptionField('goalEvents', (t) =>
  t.field({
    type: GoalEventRef,
    description: 'Every move of one goal, live: planned, tasks queued, started, progressing, done or failed, status changes. Ends once the goal has ended. Query `goal(id)` first for where it stands.',
    args: { goalId: t.arg.globalID({ required: true, for: GoalRef, description: 'The goal.' }) },
    subscribe: (_root, args, ctx) => subscribeGoalEvents(ctx.services, requireViewer(ctx), args.goalId.id),
    resolve: (event: GoalEventPayload, _args, ctx) => freshLoaders(ctx, event),
  }),
);
