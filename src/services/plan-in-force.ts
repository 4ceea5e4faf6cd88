import { billingPeriod, calendarMonth, planInForce } from '../billing/plan-in-force.ts';
import { planByKey, type Plan } from '../billing/plans.ts';
import { billingEnabled } from '../billing/stripe-client.ts';
import type { Executor } from '../db/database.ts';
import { findSubscription, findSubscriptions, type Subscription } from '../repositories/billing.ts';
import type { AppServices } from '../core/context.ts';

/** Where an organisation stands: the plan in force, the subscription behind it, the period limits count in. */
export interface BillingState {
  plan: Plan;
  subscription: Subscription | null;
  /** The current billing period: the subscription's, or the calendar month (UTC). */
  period: { start: Date; end: Date };
}

/** The billing state from an organisation's subscription row (or none), at the app's clock. */
export function billingStateFrom(services: AppServices, subscription: Subscription | null | undefined): BillingState {
  const now = services.clock.now();
  if (!billingEnabled(services.config)) {
    return { plan: planByKey(services.config.defaultPlan), subscription: null, period: calendarMonth(now) };
  }
  return {
    plan: planInForce(subscription, now, services.config.stripe.graceDays),
    subscription: subscription ?? null,
    period: billingPeriod(subscription, now),
  };
}

/**
 * The billing state of one organisation. With billing off it is DEFAULT_PLAN and the calendar
 * month, without a query; with billing on it follows the subscription (see `planInForce`).
 * Callers enforcing a cap read it after locking the organisation, so a webhook that changes the
 * plan (it takes the same lock) cannot slip in between.
 */
export async function billingStateOf(services: AppServices, db: Executor, orgId: string): Promise<BillingState> {
  if (!billingEnabled(services.config)) return billingStateFrom(services, null);
  return billingStateFrom(services, await findSubscription(db, orgId));
}

/** Billing states of many organisations, in one query. */
export async function billingStatesOf(services: AppServices, db: Executor, orgIds: readonly string[]): Promise<Map<string, BillingState>> {
  const subscriptions = billingEnabled(services.config) ? await findSubscriptions(db, orgIds) : new Map<string, Subscription>();
  return new Map(orgIds.map((id) => [id, billingStateFrom(services, subscriptions.get(id))]));
}

/** The plan in force for an organisation (its limits are what caps enforce). */
export async function planOf(services: AppServices, db: Executor, orgId: string): Promise<Plan> {
  return (await billingStateOf(services, db, orgId)).plan;
}
