import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { ApiKeys } from '../db/schema.ts';
import type { OrgRole } from './orgs.ts';

export interface ApiKey {
  id: string;
  orgId: string;
  createdBy: string;
  name: string;
  prefix: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const columns = ['id', 'org_id', 'created_by', 'name', 'prefix', 'last_used_at', 'expires_at', 'revoked_at', 'created_at'] as const;

function toApiKey(row: Pick<Selectable<ApiKeys>, (typeof columns)[number]>): ApiKey {
  return {
    id: row.id,
    orgId: row.org_id,
    createdBy: row.created_by,
    name: row.name,
    prefix: row.prefix,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}

export async function insertApiKey(
  db: Executor,
  values: { orgId: string; createdBy: string; name: string; prefix: string; hash: string; expiresAt: Date | null },
): Promise<ApiKey> {
  const row = await db
    .insertInto('api_keys')
    .values({
      org_id: values.orgId,
      created_by: values.createdBy,
      name: values.name,
      prefix: values.prefix,
      key_hash: values.hash,
      expires_at: values.expiresAt,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toApiKey(row);
}

/**
 * A live key by its hash, with the creator's current role in the key's org: a key acts for its org
 * with its creator's role, so it stops working when the creator leaves the org.
 */
export async function findActiveApiKey(
  db: Executor,
  hash: string,
): Promise<{ key: ApiKey; role: OrgRole } | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('org_members', (join) =>
      join.onRef('org_members.org_id', '=', 'api_keys.org_id').onRef('org_members.user_id', '=', 'api_keys.created_by'),
    )
    .select([...columns.map((c) => `api_keys.${c}` as const), 'org_members.role'])
    .where('api_keys.key_hash', '=', hash)
    .where('api_keys.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_keys.expires_at', 'is', null), eb('api_keys.expires_at', '>', new Date())]))
    .executeTakeFirst();
  return row && { key: toApiKey(row), role: row.role as OrgRole };
}

/** Records use at most once a minute per key, so authentication does not write on every request. */
export async function touchApiKey(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: new Date() })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(Date.now() - 60_000))]))
    .execute();
}

export async function listApiKeys(db: Executor, orgId: string, createdBy?: string): Promise<ApiKey[]> {
  let query = db.selectFrom('api_keys').select(columns).where('org_id', '=', orgId).orderBy('created_at', 'desc');
  if (createdBy) query = query.where('created_by', '=', createdBy);
  return (await query.execute()).map(toApiKey);
}

export async function findApiKeysInOrg(db: Executor, orgId: string, ids: readonly string[]): Promise<ApiKey[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('api_keys').select(columns).where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
  return rows.map(toApiKey);
}

export async function revokeApiKeyRow(db: Executor, id: string): Promise<ApiKey> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql`coalesce(revoked_at, now())` })
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toApiKey(row);
}
