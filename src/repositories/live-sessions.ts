import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/**
 * Open subscriptions, in the database so that every API process sees every other's: a
 * `threadEvents` subscription (watching a thread) or `viewerEvents` (thread null: online).
 */
export async function insertLiveSession(db: Executor, values: { id: string; userId: string; threadId: string | null }): Promise<void> {
  await db.insertInto('live_sessions').values({ id: values.id, user_id: values.userId, thread_id: values.threadId }).execute();
}

export async function deleteLiveSession(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('live_sessions').where('id', '=', id).execute();
}

/** Marks sessions still open (heartbeat) and forgets those no process has refreshed for `forgetAfterSeconds`. */
export async function refreshLiveSessions(db: Executor, ids: readonly string[], forgetAfterSeconds: number): Promise<void> {
  if (ids.length > 0) await db.updateTable('live_sessions').set({ seen_at: sql`now()` }).where('id', 'in', [...ids]).execute();
  await db
    .deleteFrom('live_sessions')
    .where('seen_at', '<', sql<Date>`now() - make_interval(secs => ${forgetAfterSeconds})`)
    .execute();
}

/**
 * Whether a person has an open subscription refreshed in the last `freshSeconds`: to `threadId`
 * (watching it), or, with threadId undefined, any at all (online).
 */
export async function hasLiveSession(db: Executor, userId: string, threadId: string | undefined, freshSeconds: number): Promise<boolean> {
  let query = db
    .selectFrom('live_sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('seen_at', '>', sql<Date>`now() - make_interval(secs => ${freshSeconds})`)
    .limit(1);
  if (threadId !== undefined) query = query.where('thread_id', '=', threadId);
  return (await query.executeTakeFirst()) !== undefined;
}

/**
 * Whether a thread has a person (other than `exceptUserId`) without an open subscription to it
 * refreshed in the last `freshSeconds`: someone a new message there could notify. One statement.
 */
export async function hasPersonAwayFromThread(db: Executor, threadId: string, exceptUserId: string | null, freshSeconds: number): Promise<boolean> {
  const row = await db
    .selectFrom('thread_members as tm')
    .select('tm.id')
    .where('tm.thread_id', '=', threadId)
    .where('tm.user_id', 'is not', null)
    .$if(exceptUserId !== null, (q) => q.where('tm.user_id', '!=', exceptUserId!))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('live_sessions as ls')
            .select('ls.id')
            .whereRef('ls.user_id', '=', 'tm.user_id')
            .where('ls.thread_id', '=', threadId)
            .where('ls.seen_at', '>', sql<Date>`now() - make_interval(secs => ${freshSeconds})`),
        ),
      ),
    )
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
