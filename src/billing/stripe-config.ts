import type { PlanKey } from './plans.ts';

/** Billing settings, read from the environment by `config/config.ts` (`STRIPE_*`, `BILLING_GRACE_DAYS`). */
export interface StripeConfig {
  /** Unset: billing is off and every organisation is on `defaultPlan`. */
  secretKey?: string;
  /** Verifies `POST /webhooks/stripe` signatures (required with secretKey). */
  webhookSecret?: string;
  /** Another server speaking Stripe's API (stripe-mock, tests), e.g. `http://127.0.0.1:12111`. */
  apiBase?: string;
  /** Price of each sold plan: a Stripe price id (`price_…`) or a lookup key (default `tmates_<plan>`). */
  prices: Partial<Record<PlanKey, string>>;
  /** Days a past_due subscription keeps its plan before the organisation falls back to free. */
  graceDays: number;
}
