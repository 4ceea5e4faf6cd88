import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Threads } from '../db/schema.ts';

export type ThreadKind = 'direct' | 'team';
export type BusyPolicy = 'queue' | 'interrupt';

export interface Thread {
  id: string;
  orgId: string;
  kind: ThreadKind;
  title: string | null;
  isDefault: boolean;
  createdBy: string | null;
  leadTeammateId: string | null;
  directUserId: string | null;
  directTeammateId: string | null;
  busyPolicy: BusyPolicy;
  lastSeq: number;
  lastEventSeq: number;
  /** Teammates see only messages after this seq (0 until the session is reset). */
  sessionStartSeq: number;
  lastMessageAt: Date | null;
  archivedAt: Date | null;
  createdAt: Date;
}

export interface ThreadMember {
  threadId: string;
  userId: string | null;
  teammateId: string | null;
  lastReadSeq: number;
  joinedAt: Date;
}

const columns = [
  'threads.id', 'threads.org_id', 'threads.kind', 'threads.title', 'threads.is_default', 'threads.created_by',
  'threads.lead_teammate_id', 'threads.direct_user_id', 'threads.direct_teammate_id', 'threads.busy_policy',
  'threads.last_seq', 'threads.last_event_seq', 'threads.session_start_seq', 'threads.last_message_at', 'threads.archived_at', 'threads.created_at',
] as const;
const bare = columns.map((c) => c.slice('threads.'.length)) as Array<(typeof columns)[number] extends `threads.${infer C}` ? C : never>;

type Row = Pick<Selectable<Threads>, (typeof bare)[number]>;
/** The columns `toThread` reads (for statements of other repositories that return a thread too). */
export const threadColumnNames: ReadonlyArray<(typeof bare)[number]> = bare;

export function toThread(row: Row): Thread {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind as ThreadKind,
    title: row.title,
    isDefault: row.is_default,
    createdBy: row.created_by,
    leadTeammateId: row.lead_teammate_id,
    directUserId: row.direct_user_id,
    directTeammateId: row.direct_teammate_id,
    busyPolicy: row.busy_policy as BusyPolicy,
    lastSeq: Number(row.last_seq),
    lastEventSeq: Number(row.last_event_seq),
    sessionStartSeq: Number(row.session_start_seq),
    lastMessageAt: row.last_message_at,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
  };
}

/** Position of a thread in the activity-ordered list: (last activity, id). */
export interface ThreadPosition {
  activityAt: Date;
  id: string;
}

export const activityAt = (t: Thread): Date => t.lastMessageAt ?? t.createdAt;

/** Inserts a thread; for a direct or default thread that already exists, returns undefined. */
export async function insertThread(
  db: Executor,
  values: {
    orgId: string;
    kind: ThreadKind;
    title?: string | null;
    isDefault?: boolean;
    createdBy: string | null;
    leadTeammateId?: string | null;
    directUserId?: string | null;
    directTeammateId?: string | null;
  },
): Promise<Thread | undefined> {
  const row = await db
    .insertInto('threads')
    .values({
      org_id: values.orgId,
      kind: values.kind,
      title: values.title ?? null,
      is_default: values.isDefault ?? false,
      created_by: values.createdBy,
      lead_teammate_id: values.leadTeammateId ?? null,
      direct_user_id: values.directUserId ?? null,
      direct_teammate_id: values.directTeammateId ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(bare)
    .executeTakeFirst();
  return row && toThread(row);
}

export async function findDirectThread(db: Executor, orgId: string, userId: string, teammateId: string): Promise<Thread | undefined> {
  const row = await db
    .selectFrom('threads')
    .select(columns)
    .where('threads.org_id', '=', orgId)
    .where('threads.kind', '=', 'direct')
    .where('threads.direct_user_id', '=', userId)
    .where('threads.direct_teammate_id', '=', teammateId)
    .executeTakeFirst();
  return row && toThread(row);
}

export async function findDefaultThread(db: Executor, orgId: string): Promise<Thread | undefined> {
  const row = await db.selectFrom('threads').select(columns).where('threads.org_id', '=', orgId).where('threads.is_default', '=', true).executeTakeFirst();
  return row && toThread(row);
}

/** Threads among `ids` in `orgId` that `userId` is a member of. */
export async function findThreadsOfMember(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<Thread[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('threads')
    .innerJoin('thread_members', 'thread_members.thread_id', 'threads.id')
    .select(columns)
    .where('threads.org_id', '=', orgId)
    .where('threads.id', 'in', [...ids])
    .where('thread_members.user_id', '=', userId)
    .execute();
  return rows.map(toThread);
}

/** Locks a thread (one round trip) if it is in `orgId` and `userId` is a member; else undefined. */
export async function lockThreadOfMember(db: Executor, orgId: string, userId: string, threadId: string): Promise<Thread | undefined> {
  const row = await db
    .selectFrom('threads')
    .select(columns)
    .where('threads.id', '=', threadId)
    .where('threads.org_id', '=', orgId)
    .where((eb) =>
      eb.exists(eb.selectFrom('thread_members').select('id').whereRef('thread_id', '=', 'threads.id').where('user_id', '=', userId)),
    )
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row && toThread(row);
}

export async function findThread(db: Executor, threadId: string): Promise<Thread | undefined> {
  const row = await db.selectFrom('threads').select(columns).where('threads.id', '=', threadId).executeTakeFirst();
  return row && toThread(row);
}

export async function lockThread(db: Executor, threadId: string): Promise<Thread | undefined> {
  const row = await db.selectFrom('threads').select(columns).where('threads.id', '=', threadId).forNoKeyUpdate().executeTakeFirst();
  return row && toThread(row);
}

/** Threads of the org the user is a member of, most recent activity first (keyset pagination). */
export async function listThreadsOfMember(
  db: Executor,
  orgId: string,
  userId: string,
  page: { limit: number; after?: ThreadPosition; before?: ThreadPosition; inverted: boolean; includeArchived: boolean },
): Promise<Thread[]> {
  const direction = page.inverted ? 'asc' : 'desc';
  const activity = sql<Date>`coalesce(threads.last_message_at, threads.created_at)`;
  let query = db
    .selectFrom('threads')
    .innerJoin('thread_members', 'thread_members.thread_id', 'threads.id')
    .select(columns)
    .where('threads.org_id', '=', orgId)
    .where('thread_members.user_id', '=', userId)
    .orderBy(activity, direction)
    .orderBy('threads.id', direction)
    .limit(page.limit);
  if (!page.includeArchived) query = query.where('threads.archived_at', 'is', null);
  const { after, before } = page;
  if (after) query = query.where(sql<boolean>`(${activity}, threads.id) < (${after.activityAt}, ${after.id})`);
  if (before) query = query.where(sql<boolean>`(${activity}, threads.id) > (${before.activityAt}, ${before.id})`);
  return (await query.execute()).map(toThread);
}

export async function addThreadMembers(
  db: Executor,
  threadId: string,
  members: { userIds?: string[]; teammateIds?: string[] },
): Promise<void> {
  const rows = [
    ...(members.userIds ?? []).map((userId) => ({ thread_id: threadId, user_id: userId, teammate_id: null })),
    ...(members.teammateIds ?? []).map((teammateId) => ({ thread_id: threadId, user_id: null, teammate_id: teammateId })),
  ];
  if (rows.length === 0) return;
  await db.insertInto('thread_members').values(rows).onConflict((oc) => oc.doNothing()).execute();
}

export async function removeThreadMembers(
  db: Executor,
  threadId: string,
  members: { userIds?: string[]; teammateIds?: string[] },
): Promise<void> {
  const { userIds = [], teammateIds = [] } = members;
  if (userIds.length === 0 && teammateIds.length === 0) return;
  await db
    .deleteFrom('thread_members')
    .where('thread_id', '=', threadId)
    .where((eb) =>
      eb.or([
        ...(userIds.length ? [eb('user_id', 'in', userIds)] : []),
        ...(teammateIds.length ? [eb('teammate_id', 'in', teammateIds)] : []),
      ]),
    )
    .execute();
}

/** Removes a person from every thread of an organisation (they left or were removed from it). */
export async function removeUserFromOrgThreads(db: Executor, orgId: string, userId: string): Promise<string[]> {
  const rows = await db
    .deleteFrom('thread_members')
    .using('threads')
    .whereRef('threads.id', '=', 'thread_members.thread_id')
    .where('threads.org_id', '=', orgId)
    .where('thread_members.user_id', '=', userId)
    .returning('thread_members.thread_id')
    .execute();
  return rows.map((r) => r.thread_id);
}

export async function membersOfThreads(db: Executor, threadIds: readonly string[]): Promise<Map<string, ThreadMember[]>> {
  const byThread = new Map<string, ThreadMember[]>(threadIds.map((id) => [id, []]));
  if (threadIds.length === 0) return byThread;
  const rows = await db
    .selectFrom('thread_members')
    .select(['thread_id', 'user_id', 'teammate_id', 'last_read_seq', 'joined_at'])
    .where('thread_id', 'in', [...threadIds])
    .orderBy('joined_at')
    .orderBy('id')
    .execute();
  for (const r of rows) {
    byThread.get(r.thread_id)?.push({
      threadId: r.thread_id,
      userId: r.user_id,
      teammateId: r.teammate_id,
      lastReadSeq: Number(r.last_read_seq),
      joinedAt: r.joined_at,
    });
  }
  return byThread;
}

/** Unread messages per thread for one person: messages after their read position, not their own. */
export async function unreadCounts(db: Executor, userId: string, threadIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(threadIds.map((id) => [id, 0]));
  if (threadIds.length === 0) return counts;
  const rows = await db
    .selectFrom('thread_members')
    .innerJoin('messages', (join) =>
      join.onRef('messages.thread_id', '=', 'thread_members.thread_id').onRef('messages.seq', '>', 'thread_members.last_read_seq'),
    )
    .select(['thread_members.thread_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('thread_members.user_id', '=', userId)
    .where('thread_members.thread_id', 'in', [...threadIds])
    .where((eb) => eb.or([eb('messages.author_user_id', 'is', null), eb('messages.author_user_id', '!=', userId)]))
    .groupBy('thread_members.thread_id')
    .execute();
  for (const r of rows) counts.set(r.thread_id, Number(r.n));
  return counts;
}

/** Moves a person's read position forward (never back); returns the new position. */
export async function advanceReadPosition(db: Executor, threadId: string, userId: string, seq: number): Promise<number | undefined> {
  const row = await db
    .updateTable('thread_members')
    .set({ last_read_seq: sql`greatest(last_read_seq, ${seq})` })
    .where('thread_id', '=', threadId)
    .where('user_id', '=', userId)
    .returning('last_read_seq')
    .executeTakeFirst();
  return row && Number(row.last_read_seq);
}

export async function updateThreadRow(
  db: Executor,
  threadId: string,
  values: { title?: string | null; busyPolicy?: BusyPolicy; archived?: boolean; leadTeammateId?: string | null; sessionStartSeq?: number },
): Promise<Thread> {
  const set = {
    ...(values.title !== undefined ? { title: values.title } : {}),
    ...(values.busyPolicy !== undefined ? { busy_policy: values.busyPolicy } : {}),
    ...(values.archived !== undefined ? { archived_at: values.archived ? new Date() : null } : {}),
    ...(values.leadTeammateId !== undefined ? { lead_teammate_id: values.leadTeammateId } : {}),
    ...(values.sessionStartSeq !== undefined ? { session_start_seq: String(values.sessionStartSeq) } : {}),
  };
  if (Object.keys(set).length === 0) return (await lockThread(db, threadId))!;
  const row = await db
    .updateTable('threads')
    .set(set)
    .where('id', '=', threadId)
    .returning(bare)
    .executeTakeFirstOrThrow();
  return toThread(row);
}

/** Threads of an org that a teammate belongs to (for join/leave notices). */
export async function threadsWithTeammate(db: Executor, teammateId: string): Promise<string[]> {
  const rows = await db.selectFrom('thread_members').select('thread_id').where('teammate_id', '=', teammateId).execute();
  return rows.map((r) => r.thread_id);
}

/** A person or teammate in a thread, with what a teammate needs to know about them. */
export interface Participant {
  kind: 'user' | 'teammate';
  id: string;
  name: string;
  role: string | null;
}

/** Everyone in a thread with names (and roles for teammates), people first. */
export async function participantsOf(db: Executor, threadId: string): Promise<Participant[]> {
  const rows = await db
    .selectFrom('thread_members')
    .leftJoin('users', 'users.id', 'thread_members.user_id')
    .leftJoin('teammates', 'teammates.id', 'thread_members.teammate_id')
    .select(['thread_members.user_id', 'thread_members.teammate_id', 'users.display_name', 'teammates.name', 'teammates.role'])
    .where('thread_members.thread_id', '=', threadId)
    .orderBy('thread_members.joined_at')
    .execute();
  const people: Participant[] = [];
  const teammates: Participant[] = [];
  for (const r of rows) {
    if (r.user_id) people.push({ kind: 'user', id: r.user_id, name: r.display_name ?? 'Someone', role: null });
    else if (r.teammate_id) teammates.push({ kind: 'teammate', id: r.teammate_id, name: r.name ?? 'A teammate', role: r.role });
  }
  return [...people, ...teammates];
}

/** Locks the thread a run works in (one round trip), for the rest of the transaction. */
export async function lockThreadOfRun(db: Executor, runId: string): Promise<Thread | undefined> {
  const row = await db
    .selectFrom('threads')
    .select(columns)
    .where('threads.id', '=', (eb) => eb.selectFrom('runs').select('runs.thread_id').where('runs.id', '=', runId))
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row && toThread(row);
}

/** A condition for rows of another table: `userId` is a member of the thread in `threadColumn`. */
export function isMemberOfThread(userId: string, threadColumn: 'runs.thread_id' | 'goals.thread_id' | 'schedules.thread_id') {
  return sql<boolean>`exists (select 1 from thread_members where thread_members.thread_id = ${sql.ref(threadColumn)} and thread_members.user_id = ${userId})`;
}

/** Deletes a thread; its messages, members, runs, goals, schedules and notes go with it (foreign keys). */
export async function deleteThreadRow(db: Executor, threadId: string): Promise<void> {
  await db.deleteFrom('threads').where('id', '=', threadId).execute();
}

/** The people of a thread other than `userId` (for @mentions), in no particular order. */
export function otherPeopleInThread(db: Executor, threadId: string, userId: string): Promise<Array<{ id: string; displayName: string }>> {
  return db
    .selectFrom('thread_members')
    .innerJoin('users', 'users.id', 'thread_members.user_id')
    .select(['users.id', 'users.display_name as displayName'])
    .where('thread_members.thread_id', '=', threadId)
    .where('users.id', '!=', userId)
    .execute();
}
