import type { Plan } from '../billing/plans.ts';
import type { Org } from '../repositories/orgs.ts';
import { holdingsOf, type Holdings } from '../repositories/billing.ts';
import { usageInPeriods, type UsageTotals } from '../repositories/usage.ts';
import { batched } from './batched.ts';
import { billingStateOfOrg, PlanRef } from './billing.ts';
import { builder } from './builder.ts';
import { OrgRef } from './orgs.ts';

interface UsageSummary extends UsageTotals, Holdings {
  org: Org;
  plan: Plan;
  periodStart: Date;
  periodEnd: Date;
}

/** Spend in each organisation's own billing period, batched: one query for every Org in the operation. */
const usageOf = batched<UsageTotals>(
  async (ctx, ids) =>
    usageInPeriods(
      ctx.db,
      await Promise.all(ids.map(async (orgId) => ({ orgId, start: (await billingStateOfOrg(ctx, orgId)).period.start }))),
    ),
  { runs: 0, promptTokens: 0, completionTokens: 0 },
);
const holdings = batched<Holdings>((ctx, ids) => holdingsOf(ctx.db, ids), { teammates: 0, members: 0, storageBytes: 0 });

const UsageRef = builder.objectRef<UsageSummary>('Usage').implement({
  description: 'What an organisation has spent in its billing period and holds now, against the limits of the plan in force.',
  fields: (t) => ({
    periodStart: t.expose('periodStart', {
      type: 'DateTime',
      description: "Start of the billing period: the subscription's current period, else the 1st of the month (UTC).",
    }),
    periodEnd: t.expose('periodEnd', { type: 'DateTime', description: 'End of the billing period (monthly limits start again then).' }),
    plan: t.field({ type: PlanRef, description: 'The plan in force, whose limits the max fields are.', resolve: (u) => u.plan }),
    runs: t.exposeInt('runs', { description: 'Teammate runs started.' }),
    promptTokens: t.exposeInt('promptTokens', { description: 'Prompt tokens spent (runs, routing, summaries).' }),
    completionTokens: t.exposeInt('completionTokens', { description: 'Completion tokens spent (including what cancelled and failed runs streamed).' }),
    totalTokens: t.int({ description: 'All tokens spent.', resolve: (u) => u.promptTokens + u.completionTokens }),
    maxRuns: t.int({ nullable: true, description: 'Runs the plan allows per period (null: no limit).', resolve: (u) => u.plan.limits.monthlyRuns }),
    maxTokens: t.int({ nullable: true, description: 'Tokens the plan allows per period (null: no limit).', resolve: (u) => u.plan.limits.monthlyTokens }),
    teammates: t.exposeInt('teammates', { description: 'Teammates hired now.' }),
    maxTeammates: t.int({ nullable: true, description: 'Hired teammates the plan allows (null: no limit).', resolve: (u) => u.plan.limits.teammates }),
    members: t.exposeInt('members', { description: 'People in the organisation now.' }),
    maxMembers: t.int({ nullable: true, description: 'Members the plan allows (null: no limit).', resolve: (u) => u.plan.limits.members }),
    storageBytes: t.exposeFloat('storageBytes', { description: 'Bytes of files stored now (pending uploads included).' }),
    maxStorageBytes: t.float({ nullable: true, description: 'Bytes the plan allows (null: no limit).', resolve: (u) => u.plan.limits.storageBytes }),
  }),
});

builder.objectField(OrgRef, 'usage', (t) =>
  t.field({
    type: UsageRef,
    description: 'Usage in the current billing period against the plan in force (every member can see it). Counted exactly from the database.',
    resolve: async (org, _a, ctx) => {
      const { plan, period } = await billingStateOfOrg(ctx, org.id);
      const [spent, held] = await Promise.all([usageOf(ctx, org.id), holdings(ctx, org.id)]);
      return { org, plan, periodStart: period.start, periodEnd: period.end, ...spent, ...held };
    },
  }),
);
