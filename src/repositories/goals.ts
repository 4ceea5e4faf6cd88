import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Goals, GoalTasks } from '../db/schema.ts';
import { isMemberOfThread } from './threads.ts';

export type GoalStatus = 'planning' | 'running' | 'reporting' | 'succeeded' | 'failed' | 'cancelled';
export type GoalTaskStatus = 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';
export const ACTIVE_GOAL_STATUSES: GoalStatus[] = ['planning', 'running', 'reporting'];

/** An outcome the team was asked for in plain language, planned and worked on in the background. */
export interface Goal {
  id: string;
  orgId: string;
  threadId: string;
  createdBy: string | null;
  instruction: string;
  coordinatorId: string;
  teammateIds: string[];
  status: GoalStatus;
  tokenBudget: number;
  deadline: Date | null;
  round: number;
  requestMessageId: string | null;
  planMessageId: string | null;
  report: string | null;
  reportMessageId: string | null;
  pinboardPostId: string | null;
  error: string | null;
  scheduleId: string | null;
  occurrenceAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

/** One step of a goal's plan, assigned to a teammate. */
export interface GoalTask {
  id: string;
  goalId: string;
  round: number;
  position: number;
  title: string;
  instructions: string;
  doneWhen: string;
  assigneeId: string;
  status: GoalTaskStatus;
  result: string | null;
  progress: string | null;
  error: string | null;
  attempts: number;
  dependsOn: string[];
  startedAt: Date | null;
  finishedAt: Date | null;
}

const goalColumns = [
  'goals.id', 'goals.org_id', 'goals.thread_id', 'goals.created_by', 'goals.instruction', 'goals.coordinator_id', 'goals.teammate_ids',
  'goals.status', 'goals.token_budget', 'goals.deadline', 'goals.round', 'goals.request_message_id', 'goals.plan_message_id', 'goals.report', 'goals.report_message_id',
  'goals.pinboard_post_id', 'goals.error', 'goals.schedule_id', 'goals.occurrence_at', 'goals.started_at', 'goals.finished_at', 'goals.created_at',
] as const;
const goalBare = goalColumns.map((c) => c.slice('goals.'.length)) as Array<(typeof goalColumns)[number] extends `goals.${infer C}` ? C : never>;

function toGoal(row: Pick<Selectable<Goals>, (typeof goalBare)[number]>): Goal {
  return {
    id: row.id,
    orgId: row.org_id,
    threadId: row.thread_id,
    createdBy: row.created_by,
    instruction: row.instruction,
    coordinatorId: row.coordinator_id,
    teammateIds: row.teammate_ids,
    status: row.status as GoalStatus,
    tokenBudget: row.token_budget,
    deadline: row.deadline,
    round: row.round,
    requestMessageId: row.request_message_id,
    planMessageId: row.plan_message_id,
    report: row.report,
    reportMessageId: row.report_message_id,
    pinboardPostId: row.pinboard_post_id,
    error: row.error,
    scheduleId: row.schedule_id,
    occurrenceAt: row.occurrence_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdAt: row.created_at,
  };
}

const taskColumns = [
  'goal_tasks.id', 'goal_tasks.goal_id', 'goal_tasks.round', 'goal_tasks.position', 'goal_tasks.title', 'goal_tasks.instructions',
  'goal_tasks.done_when', 'goal_tasks.assignee_id', 'goal_tasks.status', 'goal_tasks.result', 'goal_tasks.progress', 'goal_tasks.error',
  'goal_tasks.attempts', 'goal_tasks.started_at', 'goal_tasks.finished_at',
] as const;
type TaskRow = Pick<Selectable<GoalTasks>, (typeof taskColumns)[number] extends `goal_tasks.${infer C}` ? C : never>;

function toTask(row: TaskRow & { depends_on: string[] | null }): GoalTask {
  return {
    id: row.id,
    goalId: row.goal_id,
    round: row.round,
    position: row.position,
    title: row.title,
    instructions: row.instructions,
    doneWhen: row.done_when,
    assigneeId: row.assignee_id,
    status: row.status as GoalTaskStatus,
    result: row.result,
    progress: row.progress,
    error: row.error,
    attempts: row.attempts,
    dependsOn: row.depends_on ?? [],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export async function insertGoal(
  db: Executor,
  values: Pick<Goal, 'orgId' | 'threadId' | 'createdBy' | 'instruction' | 'coordinatorId' | 'teammateIds' | 'tokenBudget'> &
    Partial<Pick<Goal, 'deadline' | 'scheduleId' | 'occurrenceAt'>>,
): Promise<Goal | undefined> {
  const row = await db
    .insertInto('goals')
    .values({
      org_id: values.orgId,
      thread_id: values.threadId,
      created_by: values.createdBy,
      instruction: values.instruction,
      coordinator_id: values.coordinatorId,
      teammate_ids: values.teammateIds,
      token_budget: values.tokenBudget,
      deadline: values.deadline ?? null,
      schedule_id: values.scheduleId ?? null,
      occurrence_at: values.occurrenceAt ?? null,
    })
    // A scheduled occurrence already has its goal (another worker made it): nothing is inserted.
    .onConflict((oc) => oc.columns(['schedule_id', 'occurrence_at']).doNothing())
    .returning(goalBare)
    .executeTakeFirst();
  return row && toGoal(row);
}

export async function findGoal(db: Executor, id: string, lock = false): Promise<Goal | undefined> {
  let query = db.selectFrom('goals').select(goalColumns).where('goals.id', '=', id);
  if (lock) query = query.forNoKeyUpdate();
  const row = await query.executeTakeFirst();
  return row && toGoal(row);
}

/** Goals among `ids` in threads of `orgId` that `userId` is a member of. */
export async function findVisibleGoals(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<Goal[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('goals')
    .select(goalColumns)
    .where('goals.org_id', '=', orgId)
    .where('goals.id', 'in', [...ids])
    .where(isMemberOfThread(userId, 'goals.thread_id'))
    .execute();
  return rows.map(toGoal);
}

/** Goals visible to a person, newest first, keyset-paginated on (created_at, id). */
export async function listVisibleGoals(
  db: Executor,
  orgId: string,
  userId: string,
  filter: { status?: GoalStatus; threadId?: string; scheduleId?: string },
  page: { limit: number; after?: { at: Date; id: string }; before?: { at: Date; id: string }; inverted: boolean },
): Promise<Goal[]> {
  const direction = page.inverted ? 'asc' : 'desc';
  let query = db
    .selectFrom('goals')
    .select(goalColumns)
    .where('goals.org_id', '=', orgId)
    .where(isMemberOfThread(userId, 'goals.thread_id'))
    .orderBy('goals.created_at', direction)
    .orderBy('goals.id', direction)
    .limit(page.limit);
  if (filter.status) query = query.where('goals.status', '=', filter.status);
  if (filter.threadId) query = query.where('goals.thread_id', '=', filter.threadId);
  if (filter.scheduleId) query = query.where('goals.schedule_id', '=', filter.scheduleId);
  const { after, before } = page;
  if (after) query = query.where((eb) => eb(eb.refTuple('goals.created_at', 'goals.id'), '<', eb.tuple(after.at, after.id)));
  if (before) query = query.where((eb) => eb(eb.refTuple('goals.created_at', 'goals.id'), '>', eb.tuple(before.at, before.id)));
  return (await query.execute()).map(toGoal);
}

/** Goals of a thread still planning or running (for the "stop" command). */
export async function activeGoalsOfThread(db: Executor, threadId: string): Promise<Goal[]> {
  const rows = await db.selectFrom('goals').select(goalColumns).where('goals.thread_id', '=', threadId).where('goals.status', 'in', ACTIVE_GOAL_STATUSES).execute();
  return rows.map(toGoal);
}

export async function updateGoal(
  db: Executor,
  id: string,
  values: Partial<{
    status: GoalStatus;
    round: number;
    requestMessageId: string;
    planMessageId: string;
    report: string;
    reportMessageId: string | null;
    pinboardPostId: string | null;
    error: string | null;
    started: boolean;
    finished: boolean;
  }>,
): Promise<Goal> {
  const row = await db
    .updateTable('goals')
    .set({
      ...(values.status !== undefined ? { status: values.status } : {}),
      ...(values.round !== undefined ? { round: values.round } : {}),
      ...(values.requestMessageId !== undefined ? { request_message_id: values.requestMessageId } : {}),
      ...(values.planMessageId !== undefined ? { plan_message_id: values.planMessageId } : {}),
      ...(values.report !== undefined ? { report: values.report } : {}),
      ...(values.reportMessageId !== undefined ? { report_message_id: values.reportMessageId } : {}),
      ...(values.pinboardPostId !== undefined ? { pinboard_post_id: values.pinboardPostId } : {}),
      ...(values.error !== undefined ? { error: values.error } : {}),
      ...(values.started ? { started_at: sql`coalesce(started_at, now())` } : {}),
      ...(values.finished ? { finished_at: sql`now()` } : {}),
    })
    .where('id', '=', id)
    .returning(goalBare)
    .executeTakeFirstOrThrow();
  return toGoal(row);
}

// --- tasks -------------------------------------------------------------------------------------

const dependsOn = sql<string[] | null>`(select array_agg(d.depends_on_id) from goal_task_dependencies d where d.task_id = goal_tasks.id)`;

/** Tasks of goals (all rounds), by goal, in plan order. */
export async function tasksOfGoals(db: Executor, goalIds: readonly string[]): Promise<Map<string, GoalTask[]>> {
  const byGoal = new Map<string, GoalTask[]>(goalIds.map((id) => [id, []]));
  if (goalIds.length === 0) return byGoal;
  const rows = await db
    .selectFrom('goal_tasks')
    .select([...taskColumns, dependsOn.as('depends_on')])
    .where('goal_tasks.goal_id', 'in', [...goalIds])
    .orderBy('goal_tasks.round')
    .orderBy('goal_tasks.position')
    .execute();
  for (const row of rows) byGoal.get(row.goal_id)?.push(toTask(row));
  return byGoal;
}

export async function findTask(db: Executor, id: string): Promise<GoalTask | undefined> {
  const row = await db.selectFrom('goal_tasks').select([...taskColumns, dependsOn.as('depends_on')]).where('goal_tasks.id', '=', id).executeTakeFirst();
  return row && toTask(row);
}

/** Inserts the tasks of a plan round with their dependencies (given as positions within the round). */
export async function insertTasks(
  db: Executor,
  goal: Pick<Goal, 'id' | 'orgId'>,
  round: number,
  tasks: Array<{ title: string; instructions: string; doneWhen: string; assigneeId: string; dependsOn: number[] }>,
): Promise<GoalTask[]> {
  if (tasks.length === 0) return [];
  const rows = await db
    .insertInto('goal_tasks')
    .values(
      tasks.map((t, i) => ({
        org_id: goal.orgId,
        goal_id: goal.id,
        round,
        position: i + 1,
        title: t.title,
        instructions: t.instructions,
        done_when: t.doneWhen,
        assignee_id: t.assigneeId,
      })),
    )
    .returning(taskColumns.map((c) => c.slice('goal_tasks.'.length) as never))
    .execute();
  const byPosition = new Map((rows as unknown as TaskRow[]).map((r) => [r.position, r]));
  const edges = tasks.flatMap((t, i) => t.dependsOn.map((p) => ({ task_id: byPosition.get(i + 1)!.id, depends_on_id: byPosition.get(p)!.id })));
  if (edges.length > 0) await db.insertInto('goal_task_dependencies').values(edges).execute();
  return tasks.map((t, i) => toTask({ ...byPosition.get(i + 1)!, depends_on: t.dependsOn.map((p) => byPosition.get(p)!.id) }));
}

export async function updateTask(
  db: Executor,
  id: string,
  values: Partial<{ status: GoalTaskStatus; result: string | null; progress: string | null; error: string | null; attempt: boolean; started: boolean; finished: boolean }>,
): Promise<void> {
  await db
    .updateTable('goal_tasks')
    .set({
      ...(values.status !== undefined ? { status: values.status } : {}),
      ...(values.result !== undefined ? { result: values.result } : {}),
      ...(values.progress !== undefined ? { progress: values.progress } : {}),
      ...(values.error !== undefined ? { error: values.error } : {}),
      ...(values.attempt ? { attempts: sql`attempts + 1` } : {}),
      ...(values.started ? { started_at: sql`coalesce(started_at, now())` } : {}),
      ...(values.finished ? { finished_at: sql`now()` } : {}),
    })
    .where('id', '=', id)
    .execute();
}

/** Marks the goal's open tasks (not yet ended) with `status`; returns how many changed. */
export async function closeOpenTasks(db: Executor, goalId: string, status: 'cancelled' | 'skipped', error: string): Promise<number> {
  const result = await db
    .updateTable('goal_tasks')
    .set({ status, error, finished_at: sql`now()` })
    .where('goal_id', '=', goalId)
    .where('status', 'in', ['pending', 'queued', 'running'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Tokens spent by every run of a goal (planning, tasks, their delegations, the report). */
export async function tokensSpentOnGoals(db: Executor, goalIds: readonly string[]): Promise<Map<string, number>> {
  const spent = new Map<string, number>(goalIds.map((id) => [id, 0]));
  if (goalIds.length === 0) return spent;
  const { rows } = await sql<{ goal_id: string; tokens: string }>`
    with recursive goal_runs as (
      select id, goal_id, prompt_tokens, completion_tokens from runs where goal_id = any(${[...goalIds]}::uuid[])
      union all
      select r.id, g.goal_id, r.prompt_tokens, r.completion_tokens from runs r join goal_runs g on r.parent_run_id = g.id
    )
    select goal_id, coalesce(sum(prompt_tokens + completion_tokens), 0) as tokens from goal_runs group by goal_id
  `.execute(db);
  for (const r of rows) spent.set(r.goal_id, Number(r.tokens));
  return spent;
}

/** Plan, task and report runs of a goal that are still queued or running. */
export async function activeRunIdsOfGoal(db: Executor, goalId: string): Promise<string[]> {
  const rows = await db.selectFrom('runs').select('id').where('goal_id', '=', goalId).where('status', 'in', ['queued', 'running', 'waiting_for_approval']).execute();
  return rows.map((r) => r.id);
}

/**
 * Serialises goal creation by one person (two at once must not both pass the cap), then counts
 * their goals in progress in the organisation.
 */
export async function lockAndCountActiveGoalsOf(db: Executor, orgId: string, userId: string): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtext('goals.created_by'), hashtext(${userId}))`.execute(db);
  const row = await db
    .selectFrom('goals')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .where('created_by', '=', userId)
    .where('status', 'in', ACTIVE_GOAL_STATUSES)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Hands in a task's result from its run — only while that run is running at `attempt`, so a
 * stale attempt (or a run cancelled meanwhile) cannot overwrite the current one's. False if refused.
 */
export async function setTaskResultFromRun(db: Executor, taskId: string, run: { id: string; attempt: number }, result: string): Promise<boolean> {
  const row = await db
    .updateTable('goal_tasks')
    .set({ result })
    .where('id', '=', taskId)
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('runs').select('runs.id').where('runs.id', '=', run.id).where('runs.status', '=', 'running').where('runs.attempt', '=', run.attempt)),
    )
    .returning('id')
    .executeTakeFirst();
  return Boolean(row);
}
