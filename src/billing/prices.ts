import type Stripe from 'stripe';
import type { StripeConfig } from './stripe-config.ts';
import { PLAN_KEYS, type Plan, type PlanKey } from './plans.ts';

/** A plan's Stripe price, as a pricing page shows it. */
export interface PlanPrice {
  priceId: string;
  /** Amount per billing interval, in the currency's minor unit (cents); null for custom amounts. */
  unitAmount: number | null;
  /** ISO 4217, lowercase as Stripe gives it (`usd`). */
  currency: string;
  interval: 'day' | 'week' | 'month' | 'year';
  intervalCount: number;
  /** `unitAmount` per month, rounded to the minor unit. */
  monthlyAmount: number | null;
}

/** A plan with its price (null when it is not for sale here). */
export interface PricedPlan extends Plan {
  price: PlanPrice | null;
}

/** How a configured plan reference (`STRIPE_PRICE_<PLAN>`) matches a price: by id or by lookup key. */
function matches(ref: string, price: Pick<Stripe.Price, 'id' | 'lookup_key'>): boolean {
  return ref.startsWith('price_') ? price.id === ref : price.lookup_key === ref || price.id === ref;
}

/** The plan a Stripe price sells, by STRIPE_PRICE_<PLAN> id or lookup key; null when none. */
export function planForPrice(config: { stripe: StripeConfig }, price: Pick<Stripe.Price, 'id' | 'lookup_key'> | null | undefined): PlanKey | null {
  if (!price) return null;
  return PLAN_KEYS.find((key) => config.stripe.prices[key] !== undefined && matches(config.stripe.prices[key]!, price)) ?? null;
}

const MONTHS_PER: Record<PlanPrice['interval'], number> = { day: 12 / 365, week: 12 / 52, month: 1, year: 12 };

function toPlanPrice(price: Stripe.Price): PlanPrice | null {
  if (!price.recurring) return null;
  const { interval, interval_count: count } = price.recurring;
  const months = MONTHS_PER[interval as PlanPrice['interval']] * count;
  return {
    priceId: price.id,
    unitAmount: price.unit_amount,
    currency: price.currency,
    interval: interval as PlanPrice['interval'],
    intervalCount: count,
    monthlyAmount: price.unit_amount === null || !months ? null : Math.round(price.unit_amount / months),
  };
}

/** How long the price list is reused before Stripe is asked again. */
export const PRICE_CACHE_MS = 5 * 60 * 1000;
const cache = new WeakMap<StripeConfig, { at: number; prices: Promise<Map<PlanKey, PlanPrice>> }>();

/**
 * The recurring price of every plan for sale (active prices matched by STRIPE_PRICE_<PLAN>), read
 * from Stripe's price list and cached for PRICE_CACHE_MS per process. A failed read is not cached.
 */
export function planPrices(config: { stripe: StripeConfig }, stripe: Stripe, now = Date.now()): Promise<Map<PlanKey, PlanPrice>> {
  const hit = cache.get(config.stripe);
  if (hit && now - hit.at < PRICE_CACHE_MS) return hit.prices;
  const prices = (async () => {
    const found = new Map<PlanKey, PlanPrice>();
    for await (const price of stripe.prices.list({ active: true, limit: 100 })) {
      const key = planForPrice(config, price);
      const planPrice = key && key !== 'free' && !found.has(key) ? toPlanPrice(price) : null;
      if (key && planPrice) found.set(key, planPrice);
    }
    return found;
  })();
  cache.set(config.stripe, { at: now, prices });
  prices.catch(() => {
    if (cache.get(config.stripe)?.prices === prices) cache.delete(config.stripe);
  });
  return prices;
}
