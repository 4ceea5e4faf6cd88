import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { ToolApprovals } from '../db/schema.ts';

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

/** A tool call of a run that waits for (or was answered by) a person. */
export interface ToolApproval {
  id: string;
  orgId: string;
  runId: string;
  threadId: string;
  teammateId: string;
  tool: string;
  toolCallId: string | null;
  /** The arguments the tool runs with: the model's, or a person's edit of them on approval. */
  arguments: unknown;
  status: ApprovalStatus;
  /** Why it was rejected (told to the model), when a person said so. */
  reason: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  expiresAt: Date;
  /** Where the turn resumes from (see `ResumeState`). */
  resumeState: unknown;
  executionStartedAt: Date | null;
  /** What the tool returned (or its error), once it ran. */
  result: unknown;
  createdAt: Date;
}

const columns = [
  'id', 'org_id', 'run_id', 'thread_id', 'teammate_id', 'tool', 'tool_call_id', 'arguments', 'status', 'reason', 'decided_by',
  'decided_at', 'expires_at', 'resume_state', 'execution_started_at', 'result', 'created_at',
] as const;

function toApproval(row: Pick<Selectable<ToolApprovals>, (typeof columns)[number]>): ToolApproval {
  return {
    id: row.id,
    orgId: row.org_id,
    runId: row.run_id,
    threadId: row.thread_id,
    teammateId: row.teammate_id,
    tool: row.tool,
    toolCallId: row.tool_call_id,
    arguments: row.arguments,
    status: row.status as ApprovalStatus,
    reason: row.reason,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    expiresAt: row.expires_at,
    resumeState: row.resume_state,
    executionStartedAt: row.execution_started_at,
    result: row.result,
    createdAt: row.created_at,
  };
}

export async function insertApproval(
  db: Executor,
  values: { orgId: string; runId: string; threadId: string; teammateId: string; tool: string; toolCallId: string | null; arguments: unknown; expiresAt: Date; resumeState: unknown },
): Promise<ToolApproval> {
  const row = await db
    .insertInto('tool_approvals')
    .values({
      org_id: values.orgId,
      run_id: values.runId,
      thread_id: values.threadId,
      teammate_id: values.teammateId,
      tool: values.tool,
      tool_call_id: values.toolCallId,
      arguments: JSON.stringify(values.arguments ?? {}),
      expires_at: values.expiresAt,
      resume_state: JSON.stringify(values.resumeState),
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toApproval(row);
}

/** One approval by id (no tenancy check: for the worker and services that checked already). */
export async function findApproval(db: Executor, id: string, lock = false): Promise<ToolApproval | undefined> {
  let query = db.selectFrom('tool_approvals').select(columns).where('id', '=', id);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toApproval(row);
}

const memberOfThread = (userId: string) =>
  sql<boolean>`exists (select 1 from thread_members where thread_members.thread_id = tool_approvals.thread_id and thread_members.user_id = ${userId})`;

/** Approvals among `ids` in threads of `orgId` that `userId` is a member of. */
export async function findVisibleApprovals(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<ToolApproval[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('tool_approvals')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('id', 'in', [...ids])
    .where(memberOfThread(userId))
    .execute();
  return rows.map(toApproval);
}

/** Approvals the person can see (their threads in `orgId`), newest first, optionally of one status or thread. */
export async function listVisibleApprovals(
  db: Executor,
  orgId: string,
  userId: string,
  filter: { status?: ApprovalStatus; threadId?: string; limit: number },
): Promise<ToolApproval[]> {
  let query = db
    .selectFrom('tool_approvals')
    .select(columns)
    .where('org_id', '=', orgId)
    .where(memberOfThread(userId))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.threadId) query = query.where('thread_id', '=', filter.threadId);
  return (await query.execute()).map(toApproval);
}

/** The newest approval of a run (the one a resumed attempt continues from). */
export async function latestApprovalOfRun(db: Executor, runId: string): Promise<ToolApproval | undefined> {
  const row = await db.selectFrom('tool_approvals').select(columns).where('run_id', '=', runId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row && toApproval(row);
}

/** Answers a pending approval; undefined when it was not pending any more (answered twice, expired, cancelled). */
export async function decideApproval(
  db: Executor,
  id: string,
  values: { status: Exclude<ApprovalStatus, 'pending'>; decidedBy: string | null; reason?: string | null; arguments?: unknown },
): Promise<ToolApproval | undefined> {
  const row = await db
    .updateTable('tool_approvals')
    .set({
      status: values.status,
      decided_by: values.decidedBy,
      decided_at: sql`now()`,
      reason: values.reason ?? null,
      ...(values.arguments !== undefined ? { arguments: JSON.stringify(values.arguments) } : {}),
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returning(columns)
    .executeTakeFirst();
  return row && toApproval(row);
}

/** Pending approvals of the given runs, answered as rejected with `reason` (their runs were cancelled). */
export async function rejectPendingOfRuns(db: Executor, runIds: readonly string[], reason: string): Promise<ToolApproval[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .updateTable('tool_approvals')
    .set({ status: 'rejected', reason, decided_at: sql`now()` })
    .where('run_id', 'in', [...runIds])
    .where('status', '=', 'pending')
    .returning(columns)
    .execute();
  return rows.map(toApproval);
}

/**
 * Claims the one execution of an approved call: true for the first caller only. A retried attempt
 * (the worker died after this) gets false and uses the stored result instead of running it again.
 */
export async function claimExecution(db: Executor, id: string): Promise<boolean> {
  const row = await db
    .updateTable('tool_approvals')
    .set({ execution_started_at: sql`now()` })
    .where('id', '=', id)
    .where('status', '=', 'approved')
    .where('execution_started_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return Boolean(row);
}

export async function saveExecutionResult(db: Executor, id: string, result: unknown): Promise<void> {
  await db.updateTable('tool_approvals').set({ result: JSON.stringify(result) }).where('id', '=', id).execute();
}
