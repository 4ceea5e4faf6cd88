import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Runs } from '../db/schema.ts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One teammate working on one trigger (a message, a goal task). */
export interface Run {
  id: string;
  orgId: string;
  threadId: string;
  teammateId: string;
  triggerMessageId: string | null;
  status: RunStatus;
  attempt: number;
  error: string | null;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

const columns = [
  'id', 'org_id', 'thread_id', 'teammate_id', 'trigger_message_id', 'status', 'attempt', 'error', 'model',
  'prompt_tokens', 'completion_tokens', 'started_at', 'finished_at', 'created_at',
] as const;

export function toRun(row: Pick<Selectable<Runs>, (typeof columns)[number]>): Run {
  return {
    id: row.id,
    orgId: row.org_id,
    threadId: row.thread_id,
    teammateId: row.teammate_id,
    triggerMessageId: row.trigger_message_id,
    status: row.status as RunStatus,
    attempt: row.attempt,
    error: row.error,
    model: row.model,
    promptTokens: row.prompt_tokens,
    completionTokens: row.completion_tokens,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    createdAt: row.created_at,
  };
}

/** Runs among `ids` in threads of `orgId` that `userId` is a member of. */
export async function findVisibleRuns(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('runs')
    .innerJoin('thread_members', 'thread_members.thread_id', 'runs.thread_id')
    .select(columns.map((c) => `runs.${c}` as const))
    .where('runs.org_id', '=', orgId)
    .where('runs.id', 'in', [...ids])
    .where('thread_members.user_id', '=', userId)
    .execute();
  return rows.map(toRun);
}
