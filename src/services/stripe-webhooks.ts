import type Stripe from 'stripe';
import { LIVE_STATUSES, SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '../billing/plan-in-force.ts';
import { PLAN_KEYS, type PlanKey } from '../billing/plans.ts';
import { planForPrice } from '../billing/prices.ts';
import { stripeClient } from '../billing/stripe-client.ts';
import type { Executor } from '../db/database.ts';
import {
  claimStripeEvent,
  findOrgOfCustomer,
  findSubscription,
  saveCustomerId,
  saveSubscription,
  setStripeEventOrg,
} from '../repositories/billing.ts';
import { lockOrg } from '../repositories/orgs.ts';
import type { AppServices } from '../core/context.ts';

/** The webhook events Tmates acts on; any other type is acknowledged and ignored. */
export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.paused',
  'customer.subscription.resumed',
  'invoice.paid',
  'invoice.payment_failed',
] as const;

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/** What an event points at: the subscription to sync and how to find its organisation. */
interface EventTarget {
  subscriptionId: string | null;
  customerId: string | null;
  /** Our org id as we gave it to Stripe (client_reference_id or metadata): a hint, checked. */
  orgIdHint: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const idOf = (value: string | { id: string } | null | undefined): string | null => (typeof value === 'string' ? value : (value?.id ?? null));

function targetOf(event: Stripe.Event): EventTarget | null {
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = event.data.object;
      if (session.mode !== 'subscription') return null;
      return { subscriptionId: idOf(session.subscription), customerId: idOf(session.customer), orgIdHint: session.client_reference_id ?? session.metadata?.org_id ?? null };
    }
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
    case 'customer.subscription.deleted':
    case 'customer.subscription.paused':
    case 'customer.subscription.resumed': {
      const subscription = event.data.object;
      return { subscriptionId: subscription.id, customerId: idOf(subscription.customer), orgIdHint: subscription.metadata?.org_id ?? null };
    }
    case 'invoice.paid':
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      const legacy = (invoice as unknown as { subscription?: string | { id: string } | null }).subscription;
      const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription) ?? idOf(legacy);
      const metadataOrg = invoice.parent?.subscription_details?.metadata?.org_id ?? null;
      return subscriptionId ? { subscriptionId, customerId: idOf(invoice.customer), orgIdHint: metadataOrg } : null;
    }
    default:
      return null;
  }
}

/** The organisation an event belongs to: by its Stripe customer first, else by the org id we gave Stripe. */
async function resolveOrg(db: Executor, target: EventTarget): Promise<string | undefined> {
  const byCustomer = target.customerId ? await findOrgOfCustomer(db, target.customerId) : undefined;
  if (byCustomer) return byCustomer;
  if (!target.orgIdHint || !UUID.test(target.orgIdHint)) return undefined;
  const row = await db.selectFrom('orgs').select('id').where('id', '=', target.orgIdHint).executeTakeFirst();
  return row?.id;
}

const toDate = (seconds: number | null | undefined) => (typeof seconds === 'number' ? new Date(seconds * 1000) : null);

/**
 * Saves what Stripe says the subscription is now. A subscription that is over does not replace
 * another, live one of the same organisation (late events of an old subscription change nothing).
 * `past_due_since` is kept from the first time it was seen past due (or the failed payment's time).
 */
async function applySubscription(services: AppServices, trx: Executor, orgId: string, subscription: Stripe.Subscription, pastDueAt: Date | null) {
  const status = (SUBSCRIPTION_STATUSES as readonly string[]).includes(subscription.status) ? (subscription.status as SubscriptionStatus) : 'incomplete';
  const existing = await findSubscription(trx, orgId);
  const same = existing?.stripeSubscriptionId === subscription.id;
  if (existing && !same && LIVE_STATUSES.includes(existing.status) && !LIVE_STATUSES.includes(status)) {
    services.logger.info({ orgId, subscriptionId: subscription.id, status }, 'ignoring an ended subscription: the organisation has a live one');
    return;
  }
  const item = subscription.items.data[0];
  const metadataPlan = subscription.metadata?.tmates_plan;
  const planKey: PlanKey | null =
    planForPrice(services.config, item?.price) ?? ((PLAN_KEYS as string[]).includes(metadataPlan ?? '') ? (metadataPlan as PlanKey) : null);
  if (!planKey) services.logger.warn({ orgId, subscriptionId: subscription.id, priceId: item?.price.id }, 'subscription price sells no known plan');
  let pastDueSince: Date | null = null;
  if (status === 'past_due') {
    const candidates = [same && existing?.status === 'past_due' ? existing.pastDueSince : null, pastDueAt, services.clock.now()];
    pastDueSince = new Date(Math.min(...candidates.filter((d): d is Date => d !== null).map((d) => d.getTime())));
  }
  const periodEnd = toDate(item?.current_period_end);
  const cancelAt = toDate(subscription.cancel_at);
  await saveSubscription(trx, {
    orgId,
    stripeSubscriptionId: subscription.id,
    stripeCustomerId: idOf(subscription.customer)!,
    stripePriceId: item?.price.id ?? null,
    planKey,
    status,
    currentPeriodStart: toDate(item?.current_period_start),
    currentPeriodEnd: periodEnd,
    cancelAtPeriodEnd: subscription.cancel_at_period_end || (cancelAt !== null && periodEnd !== null && cancelAt <= periodEnd),
    trialEnd: toDate(subscription.trial_end),
    pastDueSince,
  });
}

/**
 * Applies one verified event, once. In one transaction: the `stripe_events` row (a concurrent
 * delivery of the same event waits on it, then finds it applied), the organisation's lock, then
 * the subscription as Stripe has it *now* — retrieved, not taken from the event — so events that
 * arrive out of order or days late never bring back an older state.
 */
export async function applyStripeEvent(services: AppServices, stripe: Stripe, event: Stripe.Event): Promise<'applied' | 'duplicate' | 'ignored'> {
  const target = (HANDLED_EVENT_TYPES as readonly string[]).includes(event.type) ? targetOf(event) : null;
  if (!target) return 'ignored';
  const log = services.logger.child({ component: 'stripe-webhooks', eventId: event.id, eventType: event.type });
  return services.db.transaction().execute(async (trx) => {
    if (!(await claimStripeEvent(trx, { id: event.id, type: event.type, created: new Date(event.created * 1000) }))) return 'duplicate';
    const orgId = await resolveOrg(trx, target);
    if (!orgId || !(await lockOrg(trx, orgId))) {
      log.warn({ customerId: target.customerId }, 'event for no known organisation; ignored');
      return 'ignored';
    }
    await setStripeEventOrg(trx, event.id, orgId);
    if (target.customerId && event.type === 'checkout.session.completed') {
      const kept = await saveCustomerId(trx, orgId, target.customerId);
      if (kept !== target.customerId) log.warn({ orgId, customerId: target.customerId, kept }, 'checkout with another customer than the organisation’s');
    }
    if (!target.subscriptionId) return 'applied';
    let subscription: Stripe.Subscription;
    try {
      subscription = await stripe.subscriptions.retrieve(target.subscriptionId);
    } catch (error) {
      // Gone from Stripe for good (another account or mode): retrying would never help.
      if ((error as { code?: string }).code !== 'resource_missing') throw error;
      log.warn({ orgId, subscriptionId: target.subscriptionId }, 'subscription not found in Stripe; ignored');
      return 'ignored';
    }
    const customerOrg = await findOrgOfCustomer(trx, idOf(subscription.customer)!);
    if (customerOrg && customerOrg !== orgId) {
      log.warn({ orgId, customerOrg }, 'subscription belongs to another organisation’s customer; ignored');
      return 'ignored';
    }
    const pastDueAt = event.type === 'invoice.payment_failed' ? new Date(event.created * 1000) : null;
    await applySubscription(services, trx, orgId, subscription, pastDueAt);
    log.info({ orgId, subscriptionId: subscription.id, status: subscription.status }, 'subscription synced');
    return 'applied';
  });
}

/** The largest webhook body read (Stripe's events are far smaller). */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * `POST /webhooks/stripe`: verifies the signature of the raw body with STRIPE_WEBHOOK_SECRET and
 * the library's default tolerance (300 s), then applies the event. A bad or stale signature is
 * 400 and nothing is written; an error while applying is 500, so Stripe delivers it again.
 */
export async function receiveStripeWebhook(services: AppServices, rawBody: Buffer, signature: string | null): Promise<WebhookResponse> {
  const stripe = await stripeClient(services.config);
  const secret = services.config.stripe.webhookSecret;
  if (!stripe || !secret) return { status: 404, body: { error: 'Billing is not enabled on this installation' } };
  if (!signature) return { status: 400, body: { error: 'Missing Stripe-Signature header' } };
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(rawBody, signature, secret);
  } catch (error) {
    services.logger.warn({ err: (error as Error).message }, 'stripe webhook with a bad signature refused');
    return { status: 400, body: { error: `Webhook signature verification failed: ${(error as Error).message}` } };
  }
  try {
    const outcome = await applyStripeEvent(services, stripe, event);
    return { status: 200, body: { received: true, outcome } };
  } catch (error) {
    services.logger.error({ err: error, eventId: event.id, eventType: event.type }, 'applying a stripe event failed; Stripe will retry');
    return { status: 500, body: { error: 'Unexpected error.' } };
  }
}
