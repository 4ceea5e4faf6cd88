import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { ToolPolicies } from '../db/schema.ts';

export type ToolPolicyValue = 'auto' | 'ask' | 'off';

/** A policy set for a tool, for the whole organisation (`teammateId` null) or one teammate. */
export interface ToolPolicy {
  id: string;
  orgId: string;
  teammateId: string | null;
  tool: string;
  policy: ToolPolicyValue;
  updatedBy: string | null;
  updatedAt: Date;
}

const columns = ['id', 'org_id', 'teammate_id', 'tool', 'policy', 'updated_by', 'updated_at'] as const;

function toPolicy(row: Pick<Selectable<ToolPolicies>, (typeof columns)[number]>): ToolPolicy {
  return {
    id: row.id,
    orgId: row.org_id,
    teammateId: row.teammate_id,
    tool: row.tool,
    policy: row.policy as ToolPolicyValue,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

/** Sets (inserts or replaces) the policy of a tool for the organisation or one of its teammates. */
export async function upsertPolicy(
  db: Executor,
  values: { orgId: string; teammateId: string | null; tool: string; policy: ToolPolicyValue; updatedBy: string },
): Promise<ToolPolicy> {
  const insert = db.insertInto('tool_policies').values({
    org_id: values.orgId,
    teammate_id: values.teammateId,
    tool: values.tool,
    policy: values.policy,
    updated_by: values.updatedBy,
  });
  const row = await (
    values.teammateId
      ? insert.onConflict((oc) => oc.columns(['teammate_id', 'tool']).where('teammate_id', 'is not', null).doUpdateSet({ policy: values.policy, updated_by: values.updatedBy }))
      : insert.onConflict((oc) => oc.columns(['org_id', 'tool']).where('teammate_id', 'is', null).doUpdateSet({ policy: values.policy, updated_by: values.updatedBy }))
  )
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toPolicy(row);
}

/** Policies of an organisation: its own and, with `teammateId`, that teammate's (or every teammate's with `all`). */
export async function policiesOfOrg(db: Executor, orgId: string, filter: { teammateId?: string } = {}): Promise<ToolPolicy[]> {
  let query = db.selectFrom('tool_policies').select(columns).where('org_id', '=', orgId).orderBy('tool').orderBy('teammate_id', 'desc');
  if (filter.teammateId) query = query.where((eb) => eb.or([eb('teammate_id', 'is', null), eb('teammate_id', '=', filter.teammateId!)]));
  return (await query.execute()).map(toPolicy);
}

/** The policies that apply to a teammate, by tool: its own override the organisation's. */
export async function effectivePolicies(db: Executor, orgId: string, teammateId: string): Promise<Map<string, ToolPolicyValue>> {
  const rows = await policiesOfOrg(db, orgId, { teammateId });
  const result = new Map<string, ToolPolicyValue>();
  for (const row of rows.filter((r) => r.teammateId === null)) result.set(row.tool, row.policy);
  for (const row of rows.filter((r) => r.teammateId !== null)) result.set(row.tool, row.policy);
  return result;
}
