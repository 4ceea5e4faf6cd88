import { planOf } from '../billing/plans.ts';
import type { Org } from '../repositories/orgs.ts';
import { usageSince, type UsageTotals } from '../repositories/usage.ts';
import { usagePeriodStart } from '../services/runs.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { OrgRef } from './orgs.ts';

interface UsageSummary extends UsageTotals {
  org: Org;
  periodStart: Date;
}

const usageOf = batched<UsageTotals>((ctx, ids) => usageSince(ctx.db, ids, usagePeriodStart()), { runs: 0, promptTokens: 0, completionTokens: 0 });

const UsageRef = builder.objectRef<UsageSummary>('Usage').implement({
  description: "What an organisation has spent this month, against its plan's limits.",
  fields: (t) => ({
    periodStart: t.expose('periodStart', { type: 'DateTime', description: 'Start of the period (the 1st of the month, UTC).' }),
    runs: t.exposeInt('runs', { description: 'Teammate runs started.' }),
    promptTokens: t.exposeInt('promptTokens', { description: 'Prompt tokens spent (runs, routing, summaries).' }),
    completionTokens: t.exposeInt('completionTokens', { description: 'Completion tokens spent.' }),
    totalTokens: t.int({ description: 'All tokens spent.', resolve: (u) => u.promptTokens + u.completionTokens }),
    maxRuns: t.int({ nullable: true, description: 'Runs the plan allows a month (null: no limit).', resolve: (u, _a, ctx) => planOf(ctx.services, u.org).limits.monthlyRuns }),
    maxTokens: t.int({ nullable: true, description: 'Tokens the plan allows a month (null: no limit).', resolve: (u, _a, ctx) => planOf(ctx.services, u.org).limits.monthlyTokens }),
  }),
});

builder.objectField(OrgRef, 'usage', (t) =>
  t.field({
    type: UsageRef,
    description: 'This month’s usage (every member can see it).',
    resolve: async (org, _a, ctx) => ({ org, periodStart: usagePeriodStart(), ...(await usageOf(ctx, org.id)) }),
  }),
);
