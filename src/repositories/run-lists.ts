import type { Executor } from '../db/database.ts';
import { columns, toRun, type Run, type RunStatus } from './runs.ts';
import { isMemberOfThread } from './threads.ts';

// Runs as the API lists them: visible to a person, by parent, by trigger, by goal and task.

/** Position of a run in the newest-first list: (created_at, id). */
export interface RunPosition {
  at: Date;
  id: string;
}

/** Runs visible to a person (in threads they are a member of), newest first, keyset-paginated. */
export async function listVisibleRuns(
  db: Executor,
  orgId: string,
  userId: string,
  filter: { threadId?: string; status?: RunStatus; teammateId?: string; includeDelegations: boolean },
  page: { limit: number; after?: RunPosition; before?: RunPosition; inverted: boolean },
): Promise<Run[]> {
  const direction = page.inverted ? 'asc' : 'desc';
  let query = db
    .selectFrom('runs')
    .select(columns)
    .where('runs.org_id', '=', orgId)
    .where(isMemberOfThread(userId, 'runs.thread_id'))
    .orderBy('runs.created_at', direction)
    .orderBy('runs.id', direction)
    .limit(page.limit);
  if (filter.threadId) query = query.where('runs.thread_id', '=', filter.threadId);
  if (filter.status) query = query.where('runs.status', '=', filter.status);
  if (filter.teammateId) query = query.where('runs.teammate_id', '=', filter.teammateId);
  if (!filter.includeDelegations) query = query.where('runs.kind', '!=', 'delegation');
  const { after, before } = page;
  if (after) query = query.where((eb) => eb(eb.refTuple('runs.created_at', 'runs.id'), '<', eb.tuple(after.at, after.id)));
  if (before) query = query.where((eb) => eb(eb.refTuple('runs.created_at', 'runs.id'), '>', eb.tuple(before.at, before.id)));
  return (await query.execute()).map(toRun);
}

/** Delegated runs started by each of `parentIds`, oldest first. */
export async function childRunsOf(db: Executor, parentIds: readonly string[]): Promise<Map<string, Run[]>> {
  const byParent = new Map<string, Run[]>(parentIds.map((id) => [id, []]));
  if (parentIds.length === 0) return byParent;
  const rows = await db.selectFrom('runs').select(columns).where('runs.parent_run_id', 'in', [...parentIds]).orderBy('runs.created_at').execute();
  for (const r of rows) byParent.get(r.parent_run_id!)?.push(toRun(r));
  return byParent;
}

/** Reply runs a message started (for returning the same result to a retried sendMessage). */
export async function runsTriggeredBy(db: Executor, messageId: string): Promise<Run[]> {
  const rows = await db.selectFrom('runs').select(columns).where('runs.trigger_message_id', '=', messageId).orderBy('runs.created_at').execute();
  return rows.map(toRun);
}

/** Runs of each goal (planning, tasks, report; not their delegations), oldest first. */
export async function runsOfGoals(db: Executor, goalIds: readonly string[]): Promise<Map<string, Run[]>> {
  const byGoal = new Map<string, Run[]>(goalIds.map((id) => [id, []]));
  if (goalIds.length === 0) return byGoal;
  const rows = await db.selectFrom('runs').select(columns).where('runs.goal_id', 'in', [...goalIds]).orderBy('runs.created_at').orderBy('runs.id').execute();
  for (const r of rows) byGoal.get(r.goal_id!)?.push(toRun(r));
  return byGoal;
}

/** The newest run of each goal task (a task is retried or restarted with a new run). */
export async function latestRunsOfTasks(db: Executor, taskIds: readonly string[]): Promise<Map<string, Run>> {
  const byTask = new Map<string, Run>();
  if (taskIds.length === 0) return byTask;
  const rows = await db
    .selectFrom('runs')
    .select(columns)
    .distinctOn('runs.goal_task_id')
    .where('runs.goal_task_id', 'in', [...taskIds])
    .orderBy('runs.goal_task_id')
    .orderBy('runs.created_at', 'desc')
    .execute();
  for (const r of rows) byTask.set(r.goal_task_id!, toRun(r));
  return byTask;
}
