import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Messages } from '../db/schema.ts';

export type AuthorKind = 'user' | 'teammate' | 'system';
export type MessageStatus = 'pending' | 'streaming' | 'complete' | 'failed' | 'cancelled';
/** How a teammate reply ended (OpenAI finish reasons, plus what Tmates itself ended). */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_limit' | 'cancelled' | 'error';

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
  /** Set with a reply's final status; null for other messages and while streaming. */
  finishReason: FinishReason | null;
  runId: string | null;
  clientMessageId: string | null;
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const columns = [
  'messages.id', 'messages.org_id', 'messages.thread_id', 'messages.seq', 'messages.event_seq', 'messages.author_kind',
  'messages.author_user_id', 'messages.author_teammate_id', 'messages.body', 'messages.status', 'messages.error', 'messages.finish_reason',
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
    finishReason: (row.finish_reason ?? null) as FinishReason | null,
    runId: row.run_id,
    clientMessageId: row.client_message_id,
    metadata: (row.metadata ?? {}) as Record<string, unknown>,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A new message; its positions are allocated by `appendMessage`. */
export interface NewMessage {
  orgId: string;
  threadId: string;
  authorKind: AuthorKind;
  authorUserId?: string | null;
  authorTeammateId?: string | null;
  body: string;
  status?: MessageStatus;
  runId?: string | null;
  clientMessageId?: string | null;
  metadata?: Record<string, unknown>;
}

const returning = sql.join(bare.map((c) => sql.ref(`messages.${c}`)));

/**
 * Appends a message to its thread in one statement: the next seq and event position are taken
 * from the thread row (which the update locks until the transaction ends, so positions become
 * visible in commit order and a rollback leaves no gap) and the message is inserted at them.
 */
export async function appendMessage(db: Executor, v: NewMessage): Promise<Message> {
  const { rows } = await sql<Pick<Selectable<Messages>, (typeof bare)[number]>>`
    with position as (
      update threads
      set last_seq = last_seq + 1, last_event_seq = last_event_seq + 1, last_message_at = date_trunc('milliseconds', now())
      where id = ${v.threadId}
      returning last_seq, last_event_seq
    )
    insert into messages (org_id, thread_id, seq, event_seq, author_kind, author_user_id, author_teammate_id, body, status, run_id, client_message_id, metadata)
    select ${v.orgId}::uuid, ${v.threadId}::uuid, position.last_seq, position.last_event_seq, ${v.authorKind}, ${v.authorUserId ?? null}::uuid,
      ${v.authorTeammateId ?? null}::uuid, ${v.body}, ${v.status ?? 'complete'}, ${v.runId ?? null}::uuid, ${v.clientMessageId ?? null},
      ${JSON.stringify(v.metadata ?? {})}::jsonb
    from position
    returning ${returning}
  `.execute(db);
  return toMessage(rows[0]!);
}

/**
 * Changes a message as a durable event of its thread, in one statement: the next event position is
 * taken from the thread row (locked until the transaction ends) and the message moves to it. Only
 * while the message is in one of `expectStatus` (a cancelled reply is not turned back into a
 * complete one); undefined otherwise.
 */
export async function reviseMessage(
  db: Executor,
  message: Pick<Message, 'id' | 'threadId'>,
  values: { body?: string; status: MessageStatus; error?: string | null; finishReason?: FinishReason | null; expectStatus: MessageStatus[] },
): Promise<Message | undefined> {
  const { rows } = await sql<Pick<Selectable<Messages>, (typeof bare)[number]>>`
    with position as (
      update threads set last_event_seq = last_event_seq + 1 where id = ${message.threadId} returning last_event_seq
    )
    update messages
    set body = coalesce(${values.body ?? null}, messages.body), status = ${values.status}, error = ${values.error ?? null},
      finish_reason = ${values.finishReason ?? null}, event_seq = position.last_event_seq
    from position
    where messages.id = ${message.id} and messages.status = any(${values.expectStatus}::text[])
    returning ${returning}
  `.execute(db);
  return rows[0] && toMessage(rows[0]);
}

/**
 * Turns a run's streaming reply into an intermediate message of that run (what a teammate said
 * before calling tools, e.g. its plan), in one statement at the thread's next event position: the
 * body is final, the status COMPLETE, and the run is kept in `metadata.runId` (with
 * `metadata.intermediate = true`) so that `run_id`, one reply per run, is free for the next reply.
 * Undefined when the message is no longer streaming.
 */
export async function detachIntermediateReply(db: Executor, message: Pick<Message, 'id' | 'threadId' | 'runId'>, body: string): Promise<Message | undefined> {
  const { rows } = await sql<Pick<Selectable<Messages>, (typeof bare)[number]>>`
    with position as (
      update threads set last_event_seq = last_event_seq + 1 where id = ${message.threadId} returning last_event_seq
    )
    update messages
    set body = ${body}, status = 'complete', error = null, finish_reason = 'stop', run_id = null,
      metadata = messages.metadata || jsonb_build_object('runId', ${message.runId}::text, 'intermediate', true),
      event_seq = position.last_event_seq
    from position
    where messages.id = ${message.id} and messages.status = 'streaming'
    returning ${returning}
  `.execute(db);
  return rows[0] && toMessage(rows[0]);
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

/**
 * The newest message of each thread (for previews), in one query: one index probe per thread on
 * (thread_id, seq) — its cost does not grow with the length of the threads.
 */
export async function lastMessagesOf(db: Executor, threadIds: readonly string[]): Promise<Map<string, Message>> {
  const byThread = new Map<string, Message>();
  if (threadIds.length === 0) return byThread;
  const rows = await db
    .selectFrom(sql<{ thread_id: string }>`unnest(${[...threadIds]}::uuid[])`.as<'ids'>(sql`ids(thread_id)`))
    .innerJoinLateral(
      (eb) => eb.selectFrom('messages').select(columns).whereRef('messages.thread_id', '=', 'ids.thread_id').orderBy('messages.seq', 'desc').limit(1).as('m'),
      (join) => join.onTrue(),
    )
    .selectAll('m')
    .execute();
  for (const r of rows) byThread.set(r.thread_id, toMessage(r));
  return byThread;
}


/** A message with the display name of whoever wrote it (for transcripts and teammate tools). */
export interface AuthoredMessage extends Message {
  authorName: string;
  /** Files are attached to it (load them with the message-files service). */
  hasFiles: boolean;
}

/**
 * Messages of a thread with their authors' names, newest last. `afterSeq`/`beforeSeq` bound the
 * range; with `limit`, the newest `limit` of it. Only finished messages unless `includeUnfinished`.
 */
export async function listAuthoredMessages(
  db: Executor,
  threadId: string,
  range: { afterSeq?: number; beforeSeq?: number; limit: number; contains?: string; includeUnfinished?: boolean },
): Promise<AuthoredMessage[]> {
  let query = db
    .selectFrom('messages')
    .leftJoin('users', 'users.id', 'messages.author_user_id')
    .leftJoin('teammates', 'teammates.id', 'messages.author_teammate_id')
    .select(columns)
    .select((eb) => [
      eb.fn.coalesce('teammates.name', 'users.display_name', eb.val('Tmates')).as('author_name'),
      eb.exists(eb.selectFrom('message_files').select('message_files.file_id').whereRef('message_files.message_id', '=', 'messages.id')).as('has_files'),
    ])
    .where('messages.thread_id', '=', threadId)
    .orderBy('messages.seq', 'desc')
    .limit(range.limit);
  if (range.afterSeq !== undefined) query = query.where('messages.seq', '>', String(range.afterSeq));
  if (range.beforeSeq !== undefined) query = query.where('messages.seq', '<', String(range.beforeSeq));
  if (!range.includeUnfinished) query = query.where('messages.status', 'in', ['complete', 'failed', 'cancelled']);
  if (range.contains) query = query.where('messages.body', 'ilike', `%${range.contains.replace(/[\\%_]/g, '\\$&')}%`);
  const rows = await query.execute();
  return rows.reverse().map((r) => ({ ...toMessage(r), authorName: r.author_name, hasFiles: Boolean(r.has_files) }));
}

export async function findReplyOfRun(db: Executor, runId: string): Promise<Message | undefined> {
  const row = await db.selectFrom('messages').select(columns).where('messages.run_id', '=', runId).executeTakeFirst();
  return row && toMessage(row);
}

/** Saves the text streamed so far without an event (a reconnecting client reads it from the row). */
export async function saveStreamingBody(db: Executor, id: string, body: string): Promise<void> {
  await db.updateTable('messages').set({ body }).where('id', '=', id).where('status', '=', 'streaming').execute();
}

/** Streaming messages of a thread (replies being written right now). */
export async function streamingMessagesOf(db: Executor, threadId: string): Promise<Message[]> {
  const rows = await db.selectFrom('messages').select(columns).where('messages.thread_id', '=', threadId).where('messages.status', '=', 'streaming').execute();
  return rows.map(toMessage);
}

/** The reply message of each run that has one. */
export async function findMessagesByRuns(db: Executor, runIds: readonly string[]): Promise<Map<string, Message>> {
  const byRun = new Map<string, Message>();
  if (runIds.length === 0) return byRun;
  const rows = await db.selectFrom('messages').select(columns).where('messages.run_id', 'in', [...runIds]).execute();
  for (const r of rows) byRun.set(r.run_id!, toMessage(r));
  return byRun;
}
