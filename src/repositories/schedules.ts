import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Schedules } from '../db/schema.ts';
import { isMemberOfThread } from './threads.ts';

/** A recurring goal: every occurrence of `cron` in `timezone` becomes a goal in the thread. */
export interface Schedule {
  id: string;
  orgId: string;
  threadId: string;
  createdBy: string | null;
  instruction: string;
  cron: string;
  timezone: string;
  teammateIds: string[];
  coordinatorId: string | null;
  tokenBudget: number | null;
  paused: boolean;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  createdAt: Date;
}

const columns = [
  'schedules.id', 'schedules.org_id', 'schedules.thread_id', 'schedules.created_by', 'schedules.instruction', 'schedules.cron',
  'schedules.timezone', 'schedules.teammate_ids', 'schedules.coordinator_id', 'schedules.token_budget', 'schedules.paused',
  'schedules.next_run_at', 'schedules.last_run_at', 'schedules.created_at',
] as const;
const bare = columns.map((c) => c.slice('schedules.'.length)) as Array<(typeof columns)[number] extends `schedules.${infer C}` ? C : never>;

function toSchedule(row: Pick<Selectable<Schedules>, (typeof bare)[number]>): Schedule {
  return {
    id: row.id,
    orgId: row.org_id,
    threadId: row.thread_id,
    createdBy: row.created_by,
    instruction: row.instruction,
    cron: row.cron,
    timezone: row.timezone,
    teammateIds: row.teammate_ids,
    coordinatorId: row.coordinator_id,
    tokenBudget: row.token_budget,
    paused: row.paused,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    createdAt: row.created_at,
  };
}

export async function insertSchedule(
  db: Executor,
  values: Omit<Schedule, 'id' | 'paused' | 'lastRunAt' | 'createdAt'>,
): Promise<Schedule> {
  const row = await db
    .insertInto('schedules')
    .values({
      org_id: values.orgId,
      thread_id: values.threadId,
      created_by: values.createdBy,
      instruction: values.instruction,
      cron: values.cron,
      timezone: values.timezone,
      teammate_ids: values.teammateIds,
      coordinator_id: values.coordinatorId,
      token_budget: values.tokenBudget,
      next_run_at: values.nextRunAt,
    })
    .returning(bare)
    .executeTakeFirstOrThrow();
  return toSchedule(row);
}

/** Schedules among `ids` in threads of `orgId` that `userId` is a member of. */
export async function findVisibleSchedules(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<Schedule[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('schedules')
    .select(columns)
    .where('schedules.org_id', '=', orgId)
    .where('schedules.id', 'in', [...ids])
    .where(isMemberOfThread(userId, 'schedules.thread_id'))
    .execute();
  return rows.map(toSchedule);
}

/** Schedules visible to a person, newest first, keyset-paginated on (created_at, id). */
export async function listVisibleSchedules(
  db: Executor,
  orgId: string,
  userId: string,
  filter: { threadId?: string },
  page: { limit: number; after?: { at: Date; id: string }; before?: { at: Date; id: string }; inverted: boolean },
): Promise<Schedule[]> {
  const direction = page.inverted ? 'asc' : 'desc';
  let query = db
    .selectFrom('schedules')
    .select(columns)
    .where('schedules.org_id', '=', orgId)
    .where(isMemberOfThread(userId, 'schedules.thread_id'))
    .orderBy('schedules.created_at', direction)
    .orderBy('schedules.id', direction)
    .limit(page.limit);
  if (filter.threadId) query = query.where('schedules.thread_id', '=', filter.threadId);
  const { after, before } = page;
  if (after) query = query.where((eb) => eb(eb.refTuple('schedules.created_at', 'schedules.id'), '<', eb.tuple(after.at, after.id)));
  if (before) query = query.where((eb) => eb(eb.refTuple('schedules.created_at', 'schedules.id'), '>', eb.tuple(before.at, before.id)));
  return (await query.execute()).map(toSchedule);
}

/**
 * The schedule most overdue at `now`, locked for this transaction — or undefined. Schedules other
 * workers are firing right now are skipped, never waited for: each occurrence is fired once.
 */
export async function lockDueSchedule(db: Executor, now: Date): Promise<Schedule | undefined> {
  const row = await db
    .selectFrom('schedules')
    .select(columns)
    .where('schedules.paused', '=', false)
    .where('schedules.next_run_at', '<=', now)
    .orderBy('schedules.next_run_at')
    .limit(1)
    .forNoKeyUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row && toSchedule(row);
}

export async function updateSchedule(
  db: Executor,
  id: string,
  values: Partial<{ paused: boolean; nextRunAt: Date | null; lastRunAt: Date }>,
): Promise<Schedule> {
  const row = await db
    .updateTable('schedules')
    .set({
      ...(values.paused !== undefined ? { paused: values.paused } : {}),
      ...(values.nextRunAt !== undefined ? { next_run_at: values.nextRunAt } : {}),
      ...(values.lastRunAt !== undefined ? { last_run_at: values.lastRunAt } : {}),
    })
    .where('id', '=', id)
    .returning(bare)
    .executeTakeFirstOrThrow();
  return toSchedule(row);
}

export async function deleteScheduleRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('schedules').where('id', '=', id).execute();
}

/** Deletes a thread's schedules (locking their rows, as a tick firing one would). */
export async function deleteSchedulesOfThread(db: Executor, threadId: string): Promise<void> {
  await db.deleteFrom('schedules').where('thread_id', '=', threadId).execute();
}
