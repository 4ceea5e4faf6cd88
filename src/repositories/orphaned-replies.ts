import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * Replies still STREAMING although their run ended more than `staleAfterMs` ago with no heartbeat
 * since: the worker that was to write their final text is gone. (A live worker ends its reply
 * within moments of the run's end.)
 */
export async function findOrphanedReplies(db: Executor, staleAfterMs: number, limit = 100): Promise<Array<{ id: string; threadId: string; runStatus: string }>> {
  const { rows } = await sql<{ id: string; thread_id: string; run_status: string }>`
    select m.id, m.thread_id, r.status as run_status
    from messages m join runs r on r.id = m.run_id
    where m.status = 'streaming' and r.status in ('cancelled', 'failed', 'succeeded')
      and coalesce(greatest(r.finished_at, r.heartbeat_at), r.finished_at, r.updated_at) < now() - make_interval(secs => ${staleAfterMs / 1000})
    limit ${limit}
  `.execute(db);
  return rows.map((r) => ({ id: r.id, threadId: r.thread_id, runStatus: r.run_status }));
}
