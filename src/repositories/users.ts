import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Users } from '../db/schema.ts';

export interface User {
  id: string;
  email: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt: Date;
}

const columns = ['id', 'email', 'display_name', 'avatar_url', 'created_at'] as const;

export function toUser(row: Pick<Selectable<Users>, (typeof columns)[number]>): User {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    createdAt: row.created_at,
  };
}

export async function findUserById(db: Executor, id: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toUser(row);
}

/** The user and their password hash (null for accounts that sign in elsewhere), by email. */
export async function findCredentialsByEmail(
  db: Executor,
  email: string,
): Promise<{ user: User; passwordHash: string | null } | undefined> {
  const row = await db
    .selectFrom('users')
    .select([...columns, 'password_hash'])
    .where('email', '=', email)
    .executeTakeFirst();
  return row && { user: toUser(row), passwordHash: row.password_hash };
}

export async function findUserByExternalId(db: Executor, externalId: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select(columns).where('external_id', '=', externalId).executeTakeFirst();
  return row && toUser(row);
}

export async function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  const row = await db.selectFrom('users').select(columns).where('email', '=', email).executeTakeFirst();
  return row && toUser(row);
}

/** Inserts a user; undefined when the email (or external id) is already taken. */
export async function insertUser(
  db: Executor,
  values: { email: string; displayName: string; avatarUrl?: string | null; passwordHash?: string | null; externalId?: string | null },
): Promise<User | undefined> {
  const row = await db
    .insertInto('users')
    .values({
      email: values.email,
      display_name: values.displayName,
      avatar_url: values.avatarUrl ?? null,
      password_hash: values.passwordHash ?? null,
      external_id: values.externalId ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returning(columns)
    .executeTakeFirst();
  return row && toUser(row);
}

export async function linkExternalId(db: Executor, userId: string, externalId: string): Promise<void> {
  await db.updateTable('users').set({ external_id: externalId }).where('id', '=', userId).execute();
}

export async function updateUserProfile(
  db: Executor,
  userId: string,
  values: { displayName?: string; avatarUrl?: string | null },
): Promise<User> {
  const row = await db
    .updateTable('users')
    .set({
      ...(values.displayName !== undefined ? { display_name: values.displayName } : {}),
      ...(values.avatarUrl !== undefined ? { avatar_url: values.avatarUrl } : {}),
    })
    .where('id', '=', userId)
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toUser(row);
}

/** Users among `ids` who share at least one organisation with `viewerId` (others are invisible). */
export async function findVisibleUsers(db: Executor, viewerId: string, ids: readonly string[]): Promise<User[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('users')
    .select(columns.map((c) => `users.${c}` as const))
    .where('users.id', 'in', [...ids])
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('org_members as theirs')
          .innerJoin('org_members as mine', 'mine.org_id', 'theirs.org_id')
          .whereRef('theirs.user_id', '=', 'users.id')
          .where('mine.user_id', '=', viewerId)
          .select('theirs.user_id'),
      ),
    )
    .execute();
  return rows.map(toUser);
}

export async function getUserSettings(db: Executor, userId: string): Promise<Record<string, unknown>> {
  const row = await db.selectFrom('user_settings').select('settings').where('user_id', '=', userId).executeTakeFirst();
  return (row?.settings as Record<string, unknown> | undefined) ?? {};
}

export async function saveUserSettings(db: Executor, userId: string, settings: Record<string, unknown>): Promise<void> {
  await db
    .insertInto('user_settings')
    .values({ user_id: userId, settings: JSON.stringify(settings) })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ settings: JSON.stringify(settings) }))
    .execute();
}

/** Locks a user's row (FOR NO KEY UPDATE) and returns the identity-provider id it is linked to, if any. */
export async function lockExternalId(db: Executor, userId: string): Promise<string | null> {
  const row = await db.selectFrom('users').select('external_id').where('id', '=', userId).forNoKeyUpdate().executeTakeFirstOrThrow();
  return row.external_id;
}
