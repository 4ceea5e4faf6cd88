import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/** What one organisation spent in a period. */
export interface UsageTotals {
  runs: number;
  promptTokens: number;
  completionTokens: number;
}

/** A model call that is not a run of its own (routing, summaries), charged in tokens only. */
export async function recordModelCall(
  db: Executor,
  values: {
    orgId: string;
    kind: string;
    runId?: string | null;
    teammateId?: string | null;
    model: string;
    promptTokens: number;
    completionTokens: number;
    durationMs: number;
  },
): Promise<void> {
  await db
    .insertInto('usage_events')
    .values({
      org_id: values.orgId,
      kind: values.kind,
      run_id: values.runId ?? null,
      teammate_id: values.teammateId ?? null,
      model: values.model,
      prompt_tokens: values.promptTokens,
      completion_tokens: values.completionTokens,
      duration_ms: values.durationMs,
    })
    .execute();
}

/** Runs and tokens of each organisation since `since`, in one query. */
export async function usageSince(db: Executor, orgIds: readonly string[], since: Date): Promise<Map<string, UsageTotals>> {
  const totals = new Map<string, UsageTotals>(orgIds.map((id) => [id, { runs: 0, promptTokens: 0, completionTokens: 0 }]));
  if (orgIds.length === 0) return totals;
  const rows = await db
    .selectFrom('usage_events')
    .select([
      'org_id',
      sql<string>`coalesce(sum(quantity), 0)`.as('runs'),
      sql<string>`coalesce(sum(prompt_tokens), 0)`.as('prompt_tokens'),
      sql<string>`coalesce(sum(completion_tokens), 0)`.as('completion_tokens'),
    ])
    .where('org_id', 'in', [...orgIds])
    .where('created_at', '>=', since)
    .groupBy('org_id')
    .execute();
  for (const r of rows) {
    totals.set(r.org_id, { runs: Number(r.runs), promptTokens: Number(r.prompt_tokens), completionTokens: Number(r.completion_tokens) });
  }
  return totals;
}

/** Runs and tokens of each organisation in its own period (from `start`), in one query. */
export async function usageInPeriods(db: Executor, periods: ReadonlyArray<{ orgId: string; start: Date }>): Promise<Map<string, UsageTotals>> {
  const totals = new Map<string, UsageTotals>(periods.map((p) => [p.orgId, { runs: 0, promptTokens: 0, completionTokens: 0 }]));
  if (periods.length === 0) return totals;
  const { rows } = await sql<{ org_id: string; runs: string; prompt_tokens: string; completion_tokens: string }>`
    select p.org_id, coalesce(sum(u.quantity), 0) as runs, coalesce(sum(u.prompt_tokens), 0) as prompt_tokens,
      coalesce(sum(u.completion_tokens), 0) as completion_tokens
    from unnest(${periods.map((p) => p.orgId)}::uuid[], ${periods.map((p) => p.start.toISOString())}::timestamptz[]) as p(org_id, since)
    join usage_events u on u.org_id = p.org_id and u.created_at >= p.since
    group by p.org_id
  `.execute(db);
  for (const r of rows) {
    totals.set(r.org_id, { runs: Number(r.runs), promptTokens: Number(r.prompt_tokens), completionTokens: Number(r.completion_tokens) });
  }
  return totals;
}
