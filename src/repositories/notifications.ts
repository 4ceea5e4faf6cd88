import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Notifications } from '../db/schema.ts';

export type NotificationKind = 'direct_message' | 'team_message' | 'mention' | 'goal_succeeded' | 'goal_failed' | 'tool_approval';

/** Outcome of one delivery channel: `sent`, `failed`, `removed` (dead target deleted), `skipped`. */
export type DeliveryReport = Partial<Record<'web' | 'mobile' | 'email', string>>;

/** Something a person is told about while away (a row of the notification list). */
export interface Notification {
  id: string;
  orgId: string;
  userId: string;
  kind: NotificationKind;
  threadId: string | null;
  goalId: string | null;
  approvalId: string | null;
  title: string;
  body: string;
  /** New messages (or events) it stands for: coalesced messages of one thread raise it. */
  count: number;
  createdAt: Date;
  updatedAt: Date;
  readAt: Date | null;
  /** When it was last pushed or mailed; null: never (coalesced within the window, or the person was watching). */
  sentAt: Date | null;
  /** `count` as of the last delivery. */
  sentCount: number;
  delivery: DeliveryReport;
}

const columns = [
  'id',
  'org_id',
  'user_id',
  'kind',
  'thread_id',
  'goal_id',
  'approval_id',
  'title',
  'body',
  'count',
  'created_at',
  'updated_at',
  'read_at',
  'sent_at',
  'sent_count',
  'delivery',
] as const;

function toNotification(row: Pick<Selectable<Notifications>, (typeof columns)[number]>): Notification {
  return {
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    kind: row.kind as NotificationKind,
    threadId: row.thread_id,
    goalId: row.goal_id,
    approvalId: row.approval_id,
    title: row.title,
    body: row.body,
    count: row.count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    readAt: row.read_at,
    sentAt: row.sent_at,
    sentCount: row.sent_count,
    delivery: (row.delivery ?? {}) as DeliveryReport,
  };
}

/** A person's notifications in one organisation, newest first (keyset pages on created_at, id). */
export async function listNotifications(
  db: Executor,
  orgId: string,
  userId: string,
  filter: { unreadOnly?: boolean },
  page: { limit: number; after?: { at: Date; id: string }; before?: { at: Date; id: string }; inverted: boolean },
): Promise<Notification[]> {
  const direction = page.inverted ? 'asc' : 'desc';
  let query = db
    .selectFrom('notifications')
    .select(columns)
    .where('user_id', '=', userId)
    .where('org_id', '=', orgId)
    .orderBy('created_at', direction)
    .orderBy('id', direction)
    .limit(page.limit);
  if (filter.unreadOnly) query = query.where('read_at', 'is', null);
  const { after, before } = page;
  if (after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.at, after.id)));
  if (before) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(before.at, before.id)));
  return (await query.execute()).map(toNotification);
}

/** How many of a person's notifications in the organisation are unread. */
export async function countUnreadNotifications(db: Executor, orgId: string, userId: string): Promise<number> {
  const row = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('org_id', '=', orgId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The person's own notifications among `ids` (others' are simply absent). */
export async function findOwnNotifications(db: Executor, orgId: string, userId: string, ids: readonly string[]): Promise<Notification[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('notifications').select(columns).where('id', 'in', ids).where('user_id', '=', userId).where('org_id', '=', orgId).execute();
  return rows.map(toNotification);
}

/** Marks read the person's unread notifications among `ids` (every one when `ids` is undefined); returns those it changed. */
export async function markNotificationsRead(db: Executor, orgId: string, userId: string, ids: readonly string[] | undefined, at: Date): Promise<Notification[]> {
  if (ids && ids.length === 0) return [];
  let query = db.updateTable('notifications').set({ read_at: at }).where('user_id', '=', userId).where('org_id', '=', orgId).where('read_at', 'is', null);
  if (ids) query = query.where('id', 'in', ids);
  return (await query.returning(columns).execute()).map(toNotification);
}

export async function findNotification(db: Executor, id: string): Promise<Notification | undefined> {
  const row = await db.selectFrom('notifications').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toNotification(row);
}

/**
 * The person's unread notification about messages of a thread, locked: new messages are counted
 * into it instead of making another one.
 */
export async function lockUnreadThreadNotification(db: Executor, userId: string, threadId: string): Promise<Notification | undefined> {
  const row = await db
    .selectFrom('notifications')
    .select(columns)
    .where('user_id', '=', userId)
    .where('thread_id', '=', threadId)
    .where('read_at', 'is', null)
    .where('kind', 'in', ['direct_message', 'team_message', 'mention'])
    .orderBy('created_at', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  return row && toNotification(row);
}

/** A notification already made for `sourceKey` (a goal or an approval: one per person). */
export async function findNotificationBySource(db: Executor, userId: string, sourceKey: string): Promise<Notification | undefined> {
  const row = await db
    .selectFrom('notifications')
    .select(columns)
    .where('user_id', '=', userId)
    .where(sql<boolean>`${sourceKey} = any(source_keys)`)
    .executeTakeFirst();
  return row && toNotification(row);
}

export interface NewNotification {
  orgId: string;
  userId: string;
  kind: NotificationKind;
  threadId: string | null;
  goalId?: string | null;
  approvalId?: string | null;
  title: string;
  body: string;
  sourceKey: string;
}

export async function insertNotification(db: Executor, values: NewNotification): Promise<Notification> {
  const row = await db
    .insertInto('notifications')
    .values({
      org_id: values.orgId,
      user_id: values.userId,
      kind: values.kind,
      thread_id: values.threadId,
      goal_id: values.goalId ?? null,
      approval_id: values.approvalId ?? null,
      title: values.title,
      body: values.body,
      source_keys: [values.sourceKey],
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toNotification(row);
}

/** Counts one more event into a coalesced notification (its text and kind follow the latest). */
export async function coalesceNotification(
  db: Executor,
  id: string,
  values: { kind: NotificationKind; title: string; body: string; sourceKey: string },
): Promise<Notification> {
  const row = await db
    .updateTable('notifications')
    .set((eb) => ({
      kind: values.kind,
      title: values.title,
      body: values.body,
      count: eb('count', '+', 1),
      source_keys: sql<string[]>`array_append(source_keys, ${values.sourceKey})`,
    }))
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toNotification(row);
}

/**
 * Records the outcome of a delivery of the notification as it was at `count`: `sentAt` when it
 * went out, null while it is to be retried.
 */
export async function recordDelivery(db: Executor, id: string, delivery: DeliveryReport, sentAt: Date | null, count: number): Promise<Notification | undefined> {
  const row = await db
    .updateTable('notifications')
    .set({ delivery: JSON.stringify(delivery), sent_at: sentAt, ...(sentAt ? { sent_count: count } : {}) })
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst();
  return row && toNotification(row);
}
