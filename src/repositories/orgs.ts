import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { OrgInvitations, Orgs } from '../db/schema.ts';

export type OrgRole = 'owner' | 'admin' | 'member';
export type OrgKind = 'personal' | 'team';

export interface Org {
  id: string;
  name: string;
  kind: OrgKind;
  settings: Record<string, unknown>;
  createdAt: Date;
}

export interface Membership {
  org: Org;
  role: OrgRole;
  joinedAt: Date;
}

export interface OrgMember {
  orgId: string;
  userId: string;
  role: OrgRole;
  joinedAt: Date;
}

export interface Invitation {
  id: string;
  orgId: string;
  email: string;
  role: Exclude<OrgRole, 'owner'>;
  invitedBy: string | null;
  expiresAt: Date;
  acceptedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const orgColumns = ['orgs.id', 'orgs.name', 'orgs.kind', 'orgs.settings', 'orgs.created_at'] as const;

/** The columns `toOrg` reads (for statements of other repositories that return an organisation too). */
export const orgColumnNames = ['id', 'name', 'kind', 'settings', 'created_at'] as const;

export function toOrg(row: Pick<Selectable<Orgs>, 'id' | 'name' | 'kind' | 'settings' | 'created_at'>): Org {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as OrgKind,
    settings: (row.settings ?? {}) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

export async function insertOrg(
  db: Executor,
  values: { name: string; kind: OrgKind; personalOwnerId?: string },
): Promise<Org> {
  const row = await db
    .insertInto('orgs')
    .values({ name: values.name, kind: values.kind, personal_owner_id: values.personalOwnerId ?? null })
    .returning(['id', 'name', 'kind', 'settings', 'created_at'])
    .executeTakeFirstOrThrow();
  return toOrg(row);
}

export async function insertMember(db: Executor, orgId: string, userId: string, role: OrgRole): Promise<boolean> {
  const result = await db
    .insertInto('org_members')
    .values({ org_id: orgId, user_id: userId, role })
    .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Every organisation the user belongs to, personal first, then by name. */
export async function membershipsOfUser(db: Executor, userId: string): Promise<Membership[]> {
  const rows = await db
    .selectFrom('org_members')
    .innerJoin('orgs', 'orgs.id', 'org_members.org_id')
    .select([...orgColumns, 'org_members.role', 'org_members.created_at as joined_at'])
    .where('org_members.user_id', '=', userId)
    .orderBy(sql`orgs.kind = 'personal'`, 'desc')
    .orderBy('orgs.name')
    .orderBy('orgs.id')
    .execute();
  return rows.map((row) => ({ org: toOrg(row), role: row.role as OrgRole, joinedAt: row.joined_at }));
}

export async function findMember(db: Executor, orgId: string, userId: string, lock = false): Promise<OrgMember | undefined> {
  let query = db
    .selectFrom('org_members')
    .select(['org_id', 'user_id', 'role', 'created_at'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId);
  if (lock) query = query.forNoKeyUpdate();
  const row = await query.executeTakeFirst();
  return row && { orgId: row.org_id, userId: row.user_id, role: row.role as OrgRole, joinedAt: row.created_at };
}

/** Organisations among `ids` that `userId` belongs to. */
export async function findOrgsOfMember(db: Executor, userId: string, ids: readonly string[]): Promise<Org[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('orgs')
    .innerJoin('org_members', 'org_members.org_id', 'orgs.id')
    .select(orgColumns)
    .where('orgs.id', 'in', [...ids])
    .where('org_members.user_id', '=', userId)
    .execute();
  return rows.map(toOrg);
}

/** Members of each organisation in join order (organisations are small: the plan caps members). */
export async function listMembersOfOrgs(db: Executor, orgIds: readonly string[]): Promise<Map<string, OrgMember[]>> {
  const byOrg = new Map<string, OrgMember[]>(orgIds.map((id) => [id, []]));
  if (orgIds.length === 0) return byOrg;
  const rows = await db
    .selectFrom('org_members')
    .select(['org_id', 'user_id', 'role', 'created_at'])
    .where('org_id', 'in', [...orgIds])
    .orderBy('created_at')
    .orderBy('user_id')
    .execute();
  for (const row of rows) {
    byOrg.get(row.org_id)?.push({ orgId: row.org_id, userId: row.user_id, role: row.role as OrgRole, joinedAt: row.created_at });
  }
  return byOrg;
}

export async function countOwners(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('org_members')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findOrg(db: Executor, orgId: string): Promise<Org | undefined> {
  const row = await db.selectFrom('orgs').select(orgColumns).where('orgs.id', '=', orgId).executeTakeFirst();
  return row && toOrg(row);
}

/** Locks the organisation row: serialises role changes and departures so the last owner stays. */
export async function lockOrg(db: Executor, orgId: string): Promise<Org | undefined> {
  const row = await db.selectFrom('orgs').select(orgColumns).where('orgs.id', '=', orgId).forNoKeyUpdate().executeTakeFirst();
  return row && toOrg(row);
}

export async function updateMemberRole(db: Executor, orgId: string, userId: string, role: OrgRole): Promise<void> {
  await db.updateTable('org_members').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function deleteMember(db: Executor, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('org_members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function updateOrg(db: Executor, orgId: string, values: { name?: string; settings?: Record<string, unknown> }): Promise<Org> {
  const row = await db
    .updateTable('orgs')
    .set({
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.settings !== undefined ? { settings: JSON.stringify(values.settings) } : {}),
    })
    .where('id', '=', orgId)
    .returning(['id', 'name', 'kind', 'settings', 'created_at'])
    .executeTakeFirstOrThrow();
  return toOrg(row);
}

const invitationColumns = [
  'id', 'org_id', 'email', 'role', 'invited_by', 'expires_at', 'accepted_at', 'revoked_at', 'created_at',
] as const;

function toInvitation(row: Pick<Selectable<OrgInvitations>, (typeof invitationColumns)[number]>): Invitation {
  return {
    id: row.id,
    orgId: row.org_id,
    email: row.email,
    role: row.role as Invitation['role'],
    invitedBy: row.invited_by,
    expiresAt: row.expires_at,
    acceptedAt: row.accepted_at,
    revokedAt: row.revoked_at,
    createdAt: row.created_at,
  };
}

export async function insertInvitation(
  db: Executor,
  values: { orgId: string; email: string; role: Invitation['role']; tokenHash: string; invitedBy: string; expiresAt: Date },
): Promise<Invitation> {
  const row = await db
    .insertInto('org_invitations')
    .values({
      org_id: values.orgId,
      email: values.email,
      role: values.role,
      token_hash: values.tokenHash,
      invited_by: values.invitedBy,
      expires_at: values.expiresAt,
    })
    .returning(invitationColumns)
    .executeTakeFirstOrThrow();
  return toInvitation(row);
}

export async function findInvitationByTokenHash(db: Executor, tokenHash: string): Promise<Invitation | undefined> {
  const row = await db
    .selectFrom('org_invitations')
    .select(invitationColumns)
    .where('token_hash', '=', tokenHash)
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row && toInvitation(row);
}

/** Invitations among `ids` belonging to orgs the user administers (owner or admin). */
export async function findInvitationsAdministeredBy(db: Executor, userId: string, ids: readonly string[]): Promise<Invitation[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('org_invitations')
    .innerJoin('org_members', 'org_members.org_id', 'org_invitations.org_id')
    .select(invitationColumns.map((c) => `org_invitations.${c}` as const))
    .where('org_invitations.id', 'in', [...ids])
    .where('org_members.user_id', '=', userId)
    .where('org_members.role', 'in', ['owner', 'admin'])
    .execute();
  return rows.map(toInvitation);
}

export async function listPendingInvitations(db: Executor, orgId: string): Promise<Invitation[]> {
  const rows = await db
    .selectFrom('org_invitations')
    .select(invitationColumns)
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .orderBy('created_at')
    .execute();
  return rows.map(toInvitation);
}

export async function markInvitation(
  db: Executor,
  id: string,
  values: { acceptedBy: string } | { revoked: true },
): Promise<void> {
  await db
    .updateTable('org_invitations')
    .set('acceptedBy' in values ? { accepted_at: new Date(), accepted_by: values.acceptedBy } : { revoked_at: new Date() })
    .where('id', '=', id)
    .execute();
}
