import type Stripe from 'stripe';
import { z } from 'zod';
import { LIVE_STATUSES } from '../billing/plan-in-force.ts';
import { PLAN_KEYS, planByKey, type PlanKey } from '../billing/plans.ts';
import { planPrices, type PricedPlan } from '../billing/prices.ts';
import { stripeClient } from '../billing/stripe-client.ts';
import { findCustomerId, findSubscription, saveCustomerId } from '../repositories/billing.ts';
import type { AppServices } from '../core/context.ts';
import { ConflictError, ForbiddenError, ValidationError } from './errors.ts';
import { parseInput } from './validation.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';

/**
 * Every plan with its limits and, when billing is on, its Stripe price. Public (pricing page).
 * If Stripe cannot be reached the plans come without prices (logged), rather than failing.
 */
export async function listPlans(services: AppServices): Promise<PricedPlan[]> {
  const stripe = await stripeClient(services.config);
  let prices = new Map<PlanKey, PricedPlan['price'] & object>();
  if (stripe) {
    try {
      prices = await planPrices(services.config, stripe);
    } catch (error) {
      services.logger.error({ err: error }, 'reading prices from Stripe failed; plans are listed without prices');
    }
  }
  return PLAN_KEYS.map((key) => ({ ...planByKey(key), price: prices.get(key) ?? null }));
}

async function requireBilling(services: AppServices): Promise<Stripe> {
  const stripe = await stripeClient(services.config);
  if (!stripe) throw new ConflictError('Billing is not enabled on this installation (STRIPE_SECRET_KEY is not set)');
  return stripe;
}

function requireBillingManager(viewer: Viewer): void {
  if (!canManageOrg(viewer.role)) throw new ForbiddenError('Only owners and admins can manage billing');
}

/** Where Stripe sends people back to: PUBLIC_URL (required with billing on) + the web app's billing page. */
function billingPageUrl(services: AppServices, query = ''): string {
  return `${services.config.publicUrl!.replace(/\/$/, '')}/billing${query}`;
}

/**
 * The organisation's Stripe customer: created once, with an idempotency key per organisation so
 * concurrent first checkouts get the same customer from Stripe, and recorded once.
 */
async function ensureCustomer(services: AppServices, stripe: Stripe, viewer: Viewer): Promise<string> {
  const existing = await findCustomerId(services.db, viewer.org.id);
  if (existing) return existing;
  const customer = await stripe.customers.create(
    { name: viewer.org.name, metadata: { org_id: viewer.org.id } },
    { idempotencyKey: `tmates-org-customer-${viewer.org.id}` },
  );
  return saveCustomerId(services.db, viewer.org.id, customer.id);
}

const CheckoutInput = z.object({ plan: z.enum(PLAN_KEYS as [PlanKey, ...PlanKey[]], { message: 'is not a plan' }) });

/**
 * A Stripe Checkout Session (subscription mode) for the current organisation to buy `plan`;
 * returns its `url`. Owners and admins only. The subscription comes back by webhook.
 * Errors: ForbiddenError (not an owner/admin), ValidationError (free, or a plan with no Stripe
 * price), ConflictError (billing off, or the organisation already has a live subscription — change
 * plans in the billing portal).
 */
export async function startCheckout(services: AppServices, viewer: Viewer, input: unknown): Promise<{ url: string }> {
  const { plan } = parseInput(CheckoutInput, input);
  requireBillingManager(viewer);
  const stripe = await requireBilling(services);
  if (plan === 'free') throw new ValidationError([{ field: 'plan', message: 'is free: there is nothing to buy' }]);
  const price = (await planPrices(services.config, stripe)).get(plan);
  if (!price) throw new ValidationError([{ field: 'plan', message: 'is not for sale here (no Stripe price is configured for it)' }]);
  const current = await findSubscription(services.db, viewer.org.id);
  if (current && LIVE_STATUSES.includes(current.status)) {
    throw new ConflictError('This organisation already has a subscription; change plans in the billing portal (openBillingPortal)');
  }
  const customer = await ensureCustomer(services, stripe, viewer);
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer,
    client_reference_id: viewer.org.id,
    line_items: [{ price: price.priceId, quantity: 1 }],
    success_url: billingPageUrl(services, '?checkout=success&session_id={CHECKOUT_SESSION_ID}'),
    cancel_url: billingPageUrl(services, '?checkout=cancelled'),
    metadata: { org_id: viewer.org.id, tmates_plan: plan },
    subscription_data: { metadata: { org_id: viewer.org.id, tmates_plan: plan } },
  });
  if (!session.url) throw new Error('Stripe returned a checkout session without a url');
  return { url: session.url };
}

/**
 * A Stripe customer portal session for the current organisation (change plan, payment method,
 * invoices, cancel); returns its `url`. Owners and admins only; changes come back by webhook.
 * Errors: ForbiddenError, ConflictError (billing off, or no checkout was ever started).
 */
export async function openBillingPortal(services: AppServices, viewer: Viewer): Promise<{ url: string }> {
  requireBillingManager(viewer);
  const stripe = await requireBilling(services);
  const customer = await findCustomerId(services.db, viewer.org.id);
  if (!customer) throw new ConflictError('This organisation has no billing account yet; start a checkout first');
  const session = await stripe.billingPortal.sessions.create({ customer, return_url: billingPageUrl(services) });
  return { url: session.url };
}
