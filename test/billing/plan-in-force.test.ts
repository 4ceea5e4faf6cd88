import { describe, expect, it } from 'vitest';
import { billingPeriod, planInForce, type SubscriptionTerms } from '../../src/billing/plan-in-force.ts';
import { parseConfig } from '../../src/config/config.ts';

const day = 24 * 3600 * 1000;
const now = new Date('2026-12-15T12:00:00Z');
const terms = (over: Partial<SubscriptionTerms>): SubscriptionTerms => ({
  planKey: 'pro',
  status: 'active',
  currentPeriodStart: new Date('2026-12-10T00:00:00Z'),
  currentPeriodEnd: new Date('2027-01-10T00:00:00Z'),
  pastDueSince: null,
  ...over,
});

describe('plan in force', () => {
  it('follows the subscription status', () => {
    expect(planInForce(null, now, 7).key).toBe('free');
    expect(planInForce(terms({}), now, 7).key).toBe('pro');
    expect(planInForce(terms({ status: 'trialing' }), now, 7).key).toBe('pro');
    for (const status of ['canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused'] as const) {
      expect(planInForce(terms({ status }), now, 7).key).toBe('free');
    }
    expect(planInForce(terms({ planKey: null }), now, 7).key).toBe('free');
  });

  it('keeps a past_due plan for the grace days, then free', () => {
    const pastDue = terms({ status: 'past_due', pastDueSince: new Date(now.getTime() - 6 * day) });
    expect(planInForce(pastDue, now, 7).key).toBe('pro');
    expect(planInForce(pastDue, new Date(now.getTime() + day + 1), 7).key).toBe('free');
    expect(planInForce(pastDue, now, 0).key).toBe('free');
  });

  it('counts usage in the subscription period, rolled forward when a renewal is not synced yet, else the calendar month', () => {
    expect(billingPeriod(terms({}), now)).toEqual({ start: new Date('2026-12-10T00:00:00Z'), end: new Date('2027-01-10T00:00:00Z') });
    expect(billingPeriod(terms({}), new Date('2027-02-11T00:00:00Z'))).toEqual({ start: new Date('2027-02-10T00:00:00Z'), end: new Date('2027-03-10T00:00:00Z') });
    expect(billingPeriod(terms({ status: 'canceled' }), now)).toEqual({ start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') });
    expect(billingPeriod(null, now).start).toEqual(new Date('2026-12-01T00:00:00Z'));
  });
});

describe('billing configuration', () => {
  it('needs the webhook secret and PUBLIC_URL with a secret key, and reads prices and grace days', () => {
    expect(() => parseConfig({ STRIPE_SECRET_KEY: 'sk_test_x' })).toThrow(/STRIPE_WEBHOOK_SECRET is required.*PUBLIC_URL is required/);
    const config = parseConfig({
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      PUBLIC_URL: 'https://tmates.example.com',
      STRIPE_PRICE_PRO: 'price_123',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      BILLING_GRACE_DAYS: '3',
    });
    expect(config.stripe).toMatchObject({ apiBase: 'http://127.0.0.1:12111', graceDays: 3, prices: { pro: 'price_123', basic: 'tmates_basic' } });
    expect(() => parseConfig({ BILLING_GRACE_DAYS: '-1' })).toThrow(/BILLING_GRACE_DAYS/);
    expect(() => parseConfig({ STRIPE_API_BASE: 'ftp://x' })).toThrow(/STRIPE_API_BASE/);
  });
});
