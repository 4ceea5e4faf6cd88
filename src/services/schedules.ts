import { nextZonedOccurrence } from './zoned-cron.ts';
import { z } from 'zod';
import { withSavepoint } from '../db/database.ts';
import type { BusEvent } from '../realtime/events.ts';
import { transactionWithEvents } from '../realtime/transactional.ts';
import { findOrg } from '../repositories/orgs.ts';
import {
  deleteScheduleRow,
  findVisibleSchedules,
  insertSchedule,
  lockDueSchedule,
  updateSchedule,
  type Schedule,
} from '../repositories/schedules.ts';
import { hiredTeammatesInThread } from '../repositories/teammates.ts';
import { lockThread, lockThreadOfMember } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import { AppError, ForbiddenError, NotFoundError } from './errors.ts';
import { chooseTeam, goalRequestSchema, startGoal } from './goals.ts';
import { isTimeZone } from './settings.ts';
import { lockForRunQuota } from './runs.ts';
import { postSystemMessage } from './system-messages.ts';
import { parseInput } from './validation.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { assertNamedTeammatesPresent } from './goal-names.ts';

/** The first occurrence of a five-field cron expression strictly after `after`, in `timezone`. */
export function nextOccurrence(cron: string, timezone: string, after: Date): Date {
  return nextZonedOccurrence(cron, timezone, after); // gaps and overlaps in every zone: see zoned-cron.ts
}

const cronSchema = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    if (value.split(/\s+/).length !== 5) {
      ctx.addIssue({ code: 'custom', message: 'must have five fields: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"' });
      return;
    }
    try {
      nextOccurrence(value, 'UTC', new Date());
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a valid cron expression, e.g. "0 9 * * 1-5" (09:00 on weekdays)' });
    }
  });

const scheduleGoalSchema = goalRequestSchema.extend({
  cron: cronSchema,
  timezone: z.string().trim().max(64).refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Europe/Paris' }),
});

/** `scheduleGoal`: a recurring goal in a thread; each occurrence becomes a normal goal. */
export async function scheduleGoal(services: Pick<AppServices, 'clock' | 'db'>, viewer: Viewer, threadId: string, input: unknown): Promise<Schedule> {
  const values = parseInput(scheduleGoalSchema, input);
  return services.db.transaction().execute(async (trx) => {
    const thread = await lockThreadOfMember(trx, viewer.org.id, viewer.user.id, threadId);
    if (!thread) throw new NotFoundError('Thread');
    // The team is checked now, so a mistake shows at once rather than at the first occurrence.
    const members = await hiredTeammatesInThread(trx, thread.id);
    const { team, coordinator } = chooseTeam(members, thread, values);
    await assertNamedTeammatesPresent(trx, thread.orgId, values.instruction, members);
    return insertSchedule(trx, {
      orgId: thread.orgId,
      threadId: thread.id,
      createdBy: viewer.user.id,
      instruction: values.instruction,
      cron: values.cron,
      timezone: values.timezone,
      teammateIds: values.teammateIds.length ? team.map((t) => t.id) : [],
      coordinatorId: values.coordinatorId ? coordinator.id : null,
      tokenBudget: values.tokenBudget ?? null,
      nextRunAt: nextOccurrence(values.cron, values.timezone, services.clock.now()),
    });
  });
}

async function visibleSchedule(services: Pick<AppServices, 'db'>, viewer: Viewer, id: string): Promise<Schedule> {
  const [schedule] = await findVisibleSchedules(services.db, viewer.org.id, viewer.user.id, [id]);
  if (!schedule) throw new NotFoundError('Schedule');
  return schedule;
}

/** Who may pause, resume or delete a schedule: its creator, or an owner or admin of its organisation. */
export const canChangeSchedule = (viewer: Viewer, schedule: Pick<Schedule, 'createdBy' | 'orgId'>): boolean =>
  schedule.orgId === viewer.org.id && (schedule.createdBy === viewer.user.id || canManageOrg(viewer.role));

/** A schedule the viewer sees and may change; ForbiddenError when they see it but it is someone else's. */
async function changeableSchedule(services: AppServices, viewer: Viewer, id: string): Promise<Schedule> {
  const schedule = await visibleSchedule(services, viewer, id);
  if (!canChangeSchedule(viewer, schedule)) throw new ForbiddenError('Only the schedule’s creator and organisation owners or admins can change it');
  return schedule;
}

/** Pauses a schedule (nothing fires) or resumes it (from the next occurrence after now; missed ones are skipped). */
export async function pauseSchedule(services: AppServices, viewer: Viewer, id: string, paused: boolean): Promise<Schedule> {
  const schedule = await changeableSchedule(services, viewer, id);
  return updateSchedule(services.db, schedule.id, {
    paused,
    nextRunAt: paused ? schedule.nextRunAt : nextOccurrence(schedule.cron, schedule.timezone, services.clock.now()),
  });
}

/** Deletes a schedule; the goals it made stay. */
export async function deleteSchedule(services: AppServices, viewer: Viewer, id: string): Promise<Schedule> {
  const schedule = await changeableSchedule(services, viewer, id);
  await deleteScheduleRow(services.db, schedule.id);
  return schedule;
}

/**
 * Fires every schedule that is due at `now` (the `schedules__tick` job, every minute): each due
 * occurrence becomes one goal — never two, even with several workers ticking at once (the
 * schedule row is locked and skipped by others, and a goal is unique per schedule and occurrence).
 * Occurrences missed while nothing ran are not made up for: the next one is the first after now.
 * A schedule whose goal cannot start (its teammates left, the plan is used up) says so in its thread.
 */
export async function fireDueSchedules(services: AppServices, now = services.clock.now()): Promise<number> {
  let fired = 0;
  for (;;) {
    const done = await transactionWithEvents(services, async (trx, emit) => {
      const schedule = await lockDueSchedule(trx, now);
      if (!schedule) return false;
      const occurrence = schedule.nextRunAt!;
      await updateSchedule(trx, schedule.id, {
        lastRunAt: occurrence,
        nextRunAt: nextOccurrence(schedule.cron, schedule.timezone, now.getTime() > occurrence.getTime() ? now : occurrence),
      });
      await lockForRunQuota(services, trx, schedule.orgId); // organisation, then thread: the order every writer uses
      const thread = await lockThread(trx, schedule.threadId);
      const org = await findOrg(trx, schedule.orgId);
      if (!thread || !org || thread.archivedAt) return true;
      // What the occurrence emits is held until its savepoint is released: a refused goal must not
      // announce the messages its rollback took back.
      const held: BusEvent[] = [];
      try {
        const goal = await withSavepoint(trx, 'occurrence', () =>
          startGoal(services, trx, async (event) => void held.push(event), {
            thread,
            org,
            createdBy: schedule.createdBy,
            request: {
              instruction: schedule.instruction,
              teammateIds: schedule.teammateIds,
              coordinatorId: schedule.coordinatorId,
              tokenBudget: schedule.tokenBudget,
            },
            schedule: { id: schedule.id, occurrenceAt: occurrence },
          }),
        );
        for (const event of held) await emit(event);
        if (goal) fired += 1;
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        await postSystemMessage(trx, emit, thread, `The scheduled goal “${schedule.instruction.slice(0, 80)}” could not start: ${error.message}`);
      }
      return true;
    });
    if (!done) return fired;
  }
}
