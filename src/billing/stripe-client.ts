import type Stripe from 'stripe';
import type { StripeConfig } from './stripe-config.ts';

const clients = new WeakMap<StripeConfig, Promise<Stripe>>();

/** Whether billing is on: STRIPE_SECRET_KEY is set. Off, every organisation is on DEFAULT_PLAN. */
export function billingEnabled(config: { stripe: StripeConfig }): boolean {
  return Boolean(config.stripe.secretKey);
}

/**
 * The stripe library's client for this configuration (one per process), or null with billing off.
 * STRIPE_API_BASE points it at another server speaking Stripe's API (stripe-mock, tests). The
 * library is loaded on first use, so installations without billing never pay for importing it.
 */
export async function stripeClient(config: { stripe: StripeConfig }): Promise<Stripe | null> {
  const { secretKey, apiBase } = config.stripe;
  if (!secretKey) return null;
  let client = clients.get(config.stripe);
  if (!client) {
    client = import('stripe').then(({ default: StripeLibrary }) => {
      const base = apiBase ? new URL(apiBase) : undefined;
      return new StripeLibrary(secretKey, {
        maxNetworkRetries: 2,
        timeout: 20_000,
        telemetry: false,
        appInfo: { name: 'Tmates' },
        ...(base
          ? {
              host: base.hostname,
              port: base.port || (base.protocol === 'https:' ? 443 : 80),
              protocol: base.protocol === 'http:' ? 'http' : 'https',
            }
          : {}),
      });
    });
    clients.set(config.stripe, client);
  }
  return client;
}
