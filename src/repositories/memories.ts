import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Memories } from '../db/schema.ts';

export interface Memory {
  id: string;
  orgId: string;
  teammateId: string;
  scope: 'teammate' | 'thread';
  threadId: string | null;
  content: string;
  createdByUser: string | null;
  createdByRun: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const columns = [
  'id', 'org_id', 'teammate_id', 'scope', 'thread_id', 'content', 'created_by_user', 'created_by_run', 'created_at', 'updated_at',
] as const;

function toMemory(row: Pick<Selectable<Memories>, (typeof columns)[number]>): Memory {
  return {
    id: row.id,
    orgId: row.org_id,
    teammateId: row.teammate_id,
    scope: row.scope as Memory['scope'],
    threadId: row.thread_id,
    content: row.content,
    createdByUser: row.created_by_user,
    createdByRun: row.created_by_run,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Memories of several teammates at once (one query), oldest first, grouped by teammate. */
export async function memoriesOfTeammates(db: Executor, orgId: string, teammateIds: readonly string[]): Promise<Map<string, Memory[]>> {
  const byTeammate = new Map<string, Memory[]>(teammateIds.map((id) => [id, []]));
  if (teammateIds.length === 0) return byTeammate;
  const rows = await db
    .selectFrom('memories')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('teammate_id', 'in', [...teammateIds])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const row of rows) byTeammate.get(row.teammate_id)?.push(toMemory(row));
  return byTeammate;
}

export async function findMemoriesInOrg(db: Executor, orgId: string, ids: readonly string[]): Promise<Memory[]> {
  if (ids.length === 0) return [];
  return (await db.selectFrom('memories').select(columns).where('org_id', '=', orgId).where('id', 'in', [...ids]).execute()).map(toMemory);
}

export async function insertMemories(
  db: Executor,
  values: Array<{
    orgId: string;
    teammateId: string;
    content: string;
    createdByUser?: string | null;
    createdByRun?: string | null;
    /** Set for a note that belongs to one thread only. */
    threadId?: string | null;
  }>,
): Promise<Memory[]> {
  if (values.length === 0) return [];
  const rows = await db
    .insertInto('memories')
    .values(
      values.map((v) => ({
        org_id: v.orgId,
        teammate_id: v.teammateId,
        content: v.content,
        created_by_user: v.createdByUser ?? null,
        created_by_run: v.createdByRun ?? null,
        scope: v.threadId ? 'thread' : 'teammate',
        thread_id: v.threadId ?? null,
      })),
    )
    .returning(columns)
    .execute();
  return rows.map(toMemory);
}

export async function updateMemoryContent(db: Executor, id: string, content: string): Promise<Memory> {
  return toMemory(await db.updateTable('memories').set({ content }).where('id', '=', id).returning(columns).executeTakeFirstOrThrow());
}

export async function deleteMemoryRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('memories').where('id', '=', id).execute();
}

/** Notes a teammate brings into a thread: its own and this thread's, newest `limit`, oldest first. */
export async function memoriesForThread(db: Executor, orgId: string, teammateId: string, threadId: string, limit: number): Promise<Memory[]> {
  const rows = await db
    .selectFrom('memories')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('teammate_id', '=', teammateId)
    .where((eb) => eb.or([eb('scope', '=', 'teammate'), eb('thread_id', '=', threadId)]))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map(toMemory);
}

const COMMON_WORDS = new Set('the and for are was were that this with what about you your our from have has had not but all any can did does when who how why which there their them they then than into over'.split(' '));

/**
 * A teammate's notes that match the most words of `query` (case-insensitive), best first, then
 * newest; with no usable words, the newest notes.
 */
export async function searchMemories(
  db: Executor,
  orgId: string,
  teammateId: string,
  threadId: string,
  query: string,
  limit: number,
): Promise<Memory[]> {
  const words = [...new Set(query.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])].filter((w) => !COMMON_WORDS.has(w)).slice(0, 12);
  let select = db
    .selectFrom('memories')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('teammate_id', '=', teammateId)
    .where((eb) => eb.or([eb('scope', '=', 'teammate'), eb('thread_id', '=', threadId)]));
  if (words.length > 0) {
    const score = sql<number>`(${sql.join(words.map((w) => sql`(content ilike ${`%${w}%`})::int`), sql` + `)})`;
    select = select.where(score, '>', 0).orderBy(score, 'desc');
  }
  const rows = await select.orderBy('created_at', 'desc').limit(limit).execute();
  return rows.map(toMemory);
}

/** Forgets every teammate's notes about one thread (a session reset); returns how many. */
export async function deleteThreadNotes(db: Executor, threadId: string): Promise<number> {
  const result = await db.deleteFrom('memories').where('scope', '=', 'thread').where('thread_id', '=', threadId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
