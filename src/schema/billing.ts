import { graceEndsAt, type SUBSCRIPTION_STATUSES } from '../billing/plan-in-force.ts';
import { PLAN_KEYS, type Plan, type PlanKey } from '../billing/plans.ts';
import type { PricedPlan } from '../billing/prices.ts';
import { findSubscriptions } from '../repositories/billing.ts';
import type { Subscription } from '../repositories/billing.ts';
import { billingStateFrom, type BillingState } from '../services/plan-in-force.ts';
import { billingEnabled } from '../billing/stripe-client.ts';
import { planByKey } from '../billing/plans.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { OrgRef } from './orgs.ts';

export const PlanKeyEnum = builder.enumType('PlanKey', {
  description: 'The plans Tmates sells; each has fixed limits.',
  values: Object.fromEntries(PLAN_KEYS.map((key) => [key.toUpperCase(), { value: key, description: `The ${planByKey(key).name} plan.` }])) as Record<
    Uppercase<PlanKey>,
    { value: PlanKey; description: string }
  >,
});

export const SubscriptionStatusEnum = builder.enumType('SubscriptionStatus', {
  description: "A Stripe subscription's status (see Stripe's subscription object).",
  values: {
    ACTIVE: { value: 'active', description: 'Paid up: its plan is in force.' },
    TRIALING: { value: 'trialing', description: 'In its trial: its plan is in force.' },
    PAST_DUE: { value: 'past_due', description: 'A payment failed: its plan stays in force for BILLING_GRACE_DAYS, then free.' },
    CANCELED: { value: 'canceled', description: 'Ended: the free plan is in force.' },
    UNPAID: { value: 'unpaid', description: 'Payment attempts are exhausted: the free plan is in force.' },
    INCOMPLETE: { value: 'incomplete', description: 'The first payment has not succeeded yet: the free plan is in force.' },
    INCOMPLETE_EXPIRED: { value: 'incomplete_expired', description: 'The first payment never succeeded: the free plan is in force.' },
    PAUSED: { value: 'paused', description: 'Paused (e.g. a trial ended without a payment method): the free plan is in force.' },
  } satisfies Record<string, { value: (typeof SUBSCRIPTION_STATUSES)[number]; description: string }>,
});

const PlanLimitsRef = builder.objectRef<Plan['limits']>('PlanLimits').implement({
  description: "A plan's caps. Null means no limit.",
  fields: (t) => ({
    teammates: t.int({ nullable: true, description: 'Hired teammates at once.', resolve: (l) => l.teammates }),
    monthlyRuns: t.int({ nullable: true, description: 'Teammate runs per billing period.', resolve: (l) => l.monthlyRuns }),
    monthlyTokens: t.int({ nullable: true, description: 'Model tokens (prompt + completion) per billing period.', resolve: (l) => l.monthlyTokens }),
    members: t.int({ nullable: true, description: 'People in the organisation.', resolve: (l) => l.members }),
    storageBytes: t.float({ nullable: true, description: 'Bytes of stored files.', resolve: (l) => l.storageBytes }),
  }),
});

export const PlanRef = builder.objectRef<PricedPlan | Plan>('Plan').implement({
  description: 'A plan: its limits and, when billing is on and Stripe has a price for it, its price.',
  fields: (t) => ({
    key: t.field({ type: PlanKeyEnum, description: 'Which plan (the value `startCheckout` takes).', resolve: (p) => p.key }),
    name: t.exposeString('name', { description: 'Display name.' }),
    description: t.exposeString('description', { description: 'One line for a pricing page.' }),
    monthlyPrice: t.int({
      nullable: true,
      description: "Price per month in the currency's minor unit (cents), from the plan's Stripe price (a yearly price divided by 12); null when not for sale.",
      resolve: (p) => ('price' in p && p.price ? p.price.monthlyAmount : null),
    }),
    currency: t.string({
      nullable: true,
      description: 'ISO 4217 currency code of the price, lowercase (`usd`); null when not for sale.',
      resolve: (p) => ('price' in p && p.price ? p.price.currency : null),
    }),
    billingInterval: t.string({
      nullable: true,
      description: 'How often the price is charged: `month` or `year` (Stripe recurring interval); null when not for sale.',
      resolve: (p) => ('price' in p && p.price ? p.price.interval : null),
    }),
    purchasable: t.boolean({
      description: 'Whether `startCheckout` sells this plan here (billing is on and Stripe has its price).',
      resolve: (p) => 'price' in p && p.price !== null,
    }),
    limits: t.field({ type: PlanLimitsRef, description: 'Its caps.', resolve: (p) => p.limits }),
  }),
});

export const BillingSubscriptionRef = builder.objectRef<Subscription & { graceDays: number }>('BillingSubscription').implement({
  description: "An organisation's Stripe subscription, as last synced from Stripe by webhook.",
  fields: (t) => ({
    plan: t.field({
      type: PlanRef,
      nullable: true,
      description: 'The plan subscribed to (null when its Stripe price sells no known plan). The plan in force is `Org.plan`.',
      resolve: (s) => (s.planKey ? planByKey(s.planKey) : null),
    }),
    status: t.field({ type: SubscriptionStatusEnum, description: "Stripe's status.", resolve: (s) => s.status }),
    currentPeriodEnd: t.expose('currentPeriodEnd', { type: 'DateTime', nullable: true, description: 'When the current billing period ends (renewal, or the end with cancelAtPeriodEnd).' }),
    cancelAtPeriodEnd: t.exposeBoolean('cancelAtPeriodEnd', { description: 'The subscription ends at the end of the current period.' }),
    trialEnd: t.expose('trialEnd', { type: 'DateTime', nullable: true, description: 'When the trial ends (null without a trial).' }),
    graceEndsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'While PAST_DUE: when the plan stops being in force unless the payment succeeds (BILLING_GRACE_DAYS after it became past due).',
      resolve: (s) => graceEndsAt(s, s.graceDays),
    }),
  }),
});

/** Billing state per organisation, batched across every Org in one operation. */
const fallbackState = Symbol('no state');
const subscriptionsOf = batched<Subscription | typeof fallbackState>(async (ctx, ids) => {
  if (!billingEnabled(ctx.config)) return new Map();
  return findSubscriptions(ctx.db, ids);
}, fallbackState);

/** The organisation's billing state (plan in force, subscription, period) for this operation. */
export async function billingStateOfOrg(ctx: Parameters<typeof subscriptionsOf>[0], orgId: string): Promise<BillingState> {
  const subscription = await subscriptionsOf(ctx, orgId);
  return billingStateFrom(ctx.services, subscription === fallbackState ? null : subscription);
}

builder.objectFields(OrgRef, (t) => ({
  plan: t.field({
    type: PlanRef,
    description: 'The plan in force: its limits are what this organisation may use now (DEFAULT_PLAN while billing is off).',
    resolve: async (org, _a, ctx) => (await billingStateOfOrg(ctx, org.id)).plan,
  }),
  subscription: t.field({
    type: BillingSubscriptionRef,
    nullable: true,
    description: 'The Stripe subscription (null when there is none or billing is off). Every member can see it.',
    resolve: async (org, _a, ctx) => {
      const { subscription } = await billingStateOfOrg(ctx, org.id);
      return subscription && { ...subscription, graceDays: ctx.config.stripe.graceDays };
    },
  }),
}));
