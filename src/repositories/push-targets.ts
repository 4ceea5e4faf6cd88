import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { PushTargets } from '../db/schema.ts';

export type PushTargetKind = 'web' | 'mobile';
export type MobilePlatform = 'ios' | 'android';

/** Where one person's notifications go: a browser's push subscription or an Expo push token. */
export interface PushTarget {
  id: string;
  userId: string;
  kind: PushTargetKind;
  endpoint: string | null;
  p256dh: string | null;
  auth: string | null;
  token: string | null;
  platform: MobilePlatform | null;
  createdAt: Date;
}

const columns = ['id', 'user_id', 'kind', 'endpoint', 'p256dh', 'auth', 'token', 'platform', 'created_at'] as const;

function toPushTarget(row: Pick<Selectable<PushTargets>, (typeof columns)[number]>): PushTarget {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind as PushTargetKind,
    endpoint: row.endpoint,
    p256dh: row.p256dh,
    auth: row.auth,
    token: row.token,
    platform: row.platform as MobilePlatform | null,
    createdAt: row.created_at,
  };
}

/** Adds (or, for the same endpoint, refreshes the keys of) a person's browser subscription. */
export async function upsertWebPushTarget(db: Executor, userId: string, values: { endpoint: string; p256dh: string; auth: string }): Promise<PushTarget> {
  const row = await db
    .insertInto('push_targets')
    .values({ user_id: userId, kind: 'web', endpoint: values.endpoint, p256dh: values.p256dh, auth: values.auth })
    .onConflict((oc) => oc.columns(['user_id', 'endpoint']).where('endpoint', 'is not', null).doUpdateSet({ p256dh: values.p256dh, auth: values.auth }))
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toPushTarget(row);
}

/** Adds (or, for the same token, refreshes the platform of) a person's Expo push token. */
export async function upsertMobilePushTarget(db: Executor, userId: string, values: { token: string; platform: MobilePlatform }): Promise<PushTarget> {
  const row = await db
    .insertInto('push_targets')
    .values({ user_id: userId, kind: 'mobile', token: values.token, platform: values.platform })
    .onConflict((oc) => oc.columns(['user_id', 'token']).where('token', 'is not', null).doUpdateSet({ platform: values.platform }))
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toPushTarget(row);
}

/** A person's targets, oldest first. */
export async function listPushTargets(db: Executor, userId: string): Promise<PushTarget[]> {
  const rows = await db.selectFrom('push_targets').select(columns).where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
  return rows.map(toPushTarget);
}

/** Deletes one of a person's targets; undefined when they have none with that id. */
export async function deletePushTarget(db: Executor, userId: string, id: string): Promise<PushTarget | undefined> {
  const row = await db.deleteFrom('push_targets').where('id', '=', id).where('user_id', '=', userId).returning(columns).executeTakeFirst();
  return row && toPushTarget(row);
}
