import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Messages } from '../db/schema.ts';

export type AuthorKind = 'user' | 'teammate' | 'system';
export type MessageStatus = 'pending' | 'streaming' | 'complete' | 'failed' | 'cancelled';

export interface Message {
  id: string;
  orgId: string;
  threadId: string;
  seq: number;
  eventSeq: number;
  authorKind: AuthorKind;
  authorUserId: string | null;
  authorTeammateId: string | null;
  body: string;
  status: MessageStatus;
  error: string | null;
  runId: string | null;
  clientMessageId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const columns = [
  'messages.id', 'messages.org_id', 'messages.thread_id', 'messages.seq', 'messages.event_seq', 'messages.author_kind',
  'messages.author_user_id', 'messages.author_teammate_id', 'messages.body', 'messages.status', 'messages.error',
  'messages.run_id', 'messages.client_message_id', 'messages.metadata', 'messages.created_at', 'messages.updated_at',
] as const;
const bare = columns.map((c) => c.slice('messages.'.length)) as Array<(typeof columns)[number] extends `messages.${infer C}` ? C : never>;

export function toMessage(row: Pick<Selectable<Messages>, (typeof bare)[number]>): Message {
  return {
    id: row.id,
    orgId: row.org_id,
    threadId: row.thread_id,
    seq: Number(row.seq),
    eventSeq: Number(row.event_seq),
    authorKind: row.author_kind as AuthorKind,
    authorUserId: row.author_user_id,
    authorTeammateId: row.author_teammate_id,
    body: row.body,
    status: row.status as MessageStatus,
    error: row.error,
    runId: row.run_id,
    clientMessageId: row.client_message_id,
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertMessage(
  db: Executor,
  values: {
    orgId: string;
    threadId: string;
    seq: number;
    eventSeq: number;
    authorKind: AuthorKind;
    authorUserId?: string | null;
    authorTeammateId?: string | null;
    body: string;
    status?: MessageStatus;
    runId?: string | null;
    clientMessageId?: string | null;
    metadata?: Record<string, unknown>;
  },
): Promise<Message> {
  const row = await db
    .insertInto('messages')
    .values({
      org_id: values.orgId,
      thread_id: values.threadId,
      seq: values.seq,
      event_seq: values.eventSeq,
      author_kind: values.authorKind,
      author_user_id: values.authorUserId ?? null,
      author_teammate_id: values.authorTeammateId ?? null,
      body: values.body,
      status: values.status ?? 'complete',
      run_id: values.runId ?? null,
      client_message_id: values.clientMessageId ?? null,
      metadata: JSON.stringify(values.metadata ?? {}),
    })
    .returning(bare)
    .executeTakeFirstOrThrow();
  return toMessage(row);
}

export async function findByClientMessageId(
  db: Executor,
  threadId: string,
  userId: string,
  clientMessageId: string,
): Promise<Message | undefined> {
  const row = await db
    .selectFrom('messages')
    .select(columns)
    .where('messages.thread_id', '=', threadId)
    .where('messages.author_user_id', '=', userId)
    .where('messages.client_message_id', '=', clientMessageId)
    .executeTakeFirst();
  return row && toMessage(row);
}

/** A page of a thread's messages by seq (oldest first); `inverted` reads from the newest end. */
export async function listMessages(
  db: Executor,
  threadId: string,
  page: { limit: number; afterSeq?: number; beforeSeq?: number; inverted: boolean },
): Promise<Message[]> {
  let query = db
    .selectFrom('messages')
    .select(columns)
    .where('messages.thread_id', '=', threadId)
    .orderBy('messages.seq', page.inverted ? 'desc' : 'asc')
    .limit(page.limit);
  if (page.afterSeq !== undefined) query = query.where('messages.seq', '>', String(page.afterSeq));
  if (page.beforeSeq !== undefined) query = query.where('messages.seq', '<', String(page.beforeSeq));
  return (await query.execute()).map(toMessage);
}

/** Messages created or changed after an event position, in event order (replay for subscriptions). */
export async function messagesChangedSince(db: Executor, threadId: string, eventSeq: number, limit: number): Promise<Message[]> {
  const rows = await db
    .selectFrom('messages')
    .select(columns)
    .where('messages.thread_id', '=', threadId)
    .where('messages.event_seq', '>', String(eventSeq))
    .orderBy('messages.event_seq')
    .limit(limit)
    .execute();
  return rows.map(toMessage);
}

export async function findMessagesByIds(db: Executor, ids: readonly string[]): Promise<Message[]> {
  if (ids.length === 0) return [];
  return (await db.selectFrom('messages').select(columns).where('messages.id', 'in', [...ids]).execute()).map(toMessage);
}

/** Messages among `ids` in threads of `orgId` that `userId` is a member of. */
export async function findVisibleMessages(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<Message[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('messages')
    .innerJoin('thread_members', 'thread_members.thread_id', 'messages.thread_id')
    .select(columns)
    .where('messages.org_id', '=', orgId)
    .where('messages.id', 'in', [...ids])
    .where('thread_members.user_id', '=', userId)
    .execute();
  return rows.map(toMessage);
}

/** The newest message of each thread (for previews), in one query. */
export async function lastMessagesOf(db: Executor, threadIds: readonly string[]): Promise<Map<string, Message>> {
  const byThread = new Map<string, Message>();
  if (threadIds.length === 0) return byThread;
  const rows = await db
    .selectFrom('messages')
    .select(columns)
    .distinctOn('messages.thread_id')
    .where('messages.thread_id', 'in', [...threadIds])
    .orderBy('messages.thread_id')
    .orderBy('messages.seq', 'desc')
    .execute();
  for (const r of rows) byThread.set(r.thread_id, toMessage(r));
  return byThread;
}

