import { planByKey, type Plan, type PlanKey } from './plans.ts';

/** Stripe's subscription statuses (https://docs.stripe.com/api/subscriptions/object#subscription_object-status). */
export const SUBSCRIPTION_STATUSES = ['active', 'trialing', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** Statuses in which a subscription is still the organisation's (it may give its plan, or will again once paid). */
export const LIVE_STATUSES: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due'];

/** What the plan in force is derived from: a subscription as last synced from Stripe. */
export interface SubscriptionTerms {
  planKey: PlanKey | null;
  status: SubscriptionStatus;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  pastDueSince: Date | null;
}

/** The plan an organisation falls back to, with billing on, when no subscription gives it one. */
export const FALLBACK_PLAN: PlanKey = 'free';

const DAY_MS = 24 * 3600 * 1000;

/** End of the grace period of a past_due subscription (`graceDays` after it became past_due). */
export function graceEndsAt(terms: Pick<SubscriptionTerms, 'status' | 'pastDueSince'>, graceDays: number): Date | null {
  if (terms.status !== 'past_due') return null;
  return new Date((terms.pastDueSince?.getTime() ?? 0) + graceDays * DAY_MS);
}

/**
 * The plan a subscription gives at `now`: active or trialing → its plan; past_due → its plan
 * until `graceDays` after it became past_due, then free; anything else (canceled, unpaid,
 * incomplete, incomplete_expired, paused) or no subscription → free.
 */
export function planInForce(terms: SubscriptionTerms | null | undefined, now: Date, graceDays: number): Plan {
  if (!terms?.planKey) return planByKey(FALLBACK_PLAN);
  if (terms.status === 'active' || terms.status === 'trialing') return planByKey(terms.planKey);
  if (terms.status === 'past_due' && now < graceEndsAt(terms, graceDays)!) return planByKey(terms.planKey);
  return planByKey(FALLBACK_PLAN);
}

/** First instant of the calendar month (UTC) that holds `now`, and of the next one. */
export function calendarMonth(now: Date): { start: Date; end: Date } {
  return {
    start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
    end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
  };
}

function addMonthsUtc(date: Date, months: number): Date {
  const next = new Date(date);
  const day = next.getUTCDate();
  next.setUTCDate(1);
  next.setUTCMonth(next.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
  next.setUTCDate(Math.min(day, lastDay));
  return next;
}

/**
 * The billing period monthly limits count in at `now`: a live subscription's current period (rolled
 * forward a month at a time when its renewal has not been synced yet), else the calendar month.
 */
export function billingPeriod(terms: SubscriptionTerms | null | undefined, now: Date): { start: Date; end: Date } {
  if (!terms || !LIVE_STATUSES.includes(terms.status) || !terms.currentPeriodStart || !terms.currentPeriodEnd) return calendarMonth(now);
  let { currentPeriodStart: start, currentPeriodEnd: end } = terms;
  if (now < start || end <= start) return calendarMonth(now);
  for (let i = 0; now >= end && i < 1200; i += 1) {
    start = end;
    end = addMonthsUtc(end, 1);
  }
  return { start, end };
}
