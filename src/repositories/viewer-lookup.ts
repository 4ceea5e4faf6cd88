import { sql, type CompiledQuery } from 'kysely';
import type { Executor } from '../db/database.ts';
import { toOrg, type Membership, type OrgKind, type OrgRole } from './orgs.ts';
import { toUser, type User } from './users.ts';

interface Row {
  id: string;
  email: string;
  display_name: string;
  avatar_url: string | null;
  created_at: Date;
  org_id: string | null;
  org_name: string | null;
  org_kind: OrgKind | null;
  org_settings: unknown;
  org_created_at: Date | null;
  role: OrgRole | null;
  joined_at: Date | null;
}

/**
 * Built and compiled once (it runs for every authenticated operation): only the user id changes.
 * One row per membership (personal first, then by name, as `membershipsOfUser`), or one row with
 * null organisation columns for a user who belongs to none; no row for an unknown user.
 */
let compiled: CompiledQuery<Row> | undefined;

function lookup(db: Executor): CompiledQuery<Row> {
  compiled ??= db
    .selectFrom('users')
    .leftJoin('org_members', 'org_members.user_id', 'users.id')
    .leftJoin('orgs', 'orgs.id', 'org_members.org_id')
    .select([
      'users.id',
      'users.email',
      'users.display_name',
      'users.avatar_url',
      'users.created_at',
      'orgs.id as org_id',
      'orgs.name as org_name',
      'orgs.kind as org_kind',
      'orgs.settings as org_settings',
      'orgs.created_at as org_created_at',
      'org_members.role',
      'org_members.created_at as joined_at',
    ])
    .where('users.id', '=', '00000000-0000-0000-0000-000000000000')
    .orderBy(sql`orgs.kind = 'personal'`, 'desc')
    .orderBy('orgs.name')
    .orderBy('orgs.id')
    .compile() as CompiledQuery<Row>;
  return compiled;
}

/**
 * A user and every organisation they belong to (personal first, then by name), in one statement:
 * what authenticating an operation needs. Undefined for an unknown user.
 */
export async function findUserWithMemberships(db: Executor, userId: string): Promise<{ user: User; memberships: Membership[] } | undefined> {
  const query = lookup(db);
  const { rows } = await db.executeQuery<Row>({ ...query, parameters: [userId] });
  const first = rows[0];
  if (!first) return undefined;
  const memberships: Membership[] = [];
  for (const row of rows) {
    if (row.org_id === null) continue;
    memberships.push({
      org: toOrg({ id: row.org_id, name: row.org_name!, kind: row.org_kind!, settings: row.org_settings as never, created_at: row.org_created_at! }),
      role: row.role!,
      joinedAt: row.joined_at!,
    });
  }
  return { user: toUser(first), memberships };
}
