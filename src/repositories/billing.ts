import { sql, type Selectable } from 'kysely';
import { PLAN_KEYS, type PlanKey } from '../billing/plans.ts';
import type { SubscriptionStatus, SubscriptionTerms } from '../billing/plan-in-force.ts';
import type { Executor } from '../db/database.ts';
import type { Subscriptions } from '../db/schema.ts';

/** An organisation's Stripe subscription, as last retrieved from Stripe. */
export interface Subscription extends SubscriptionTerms {
  orgId: string;
  stripeSubscriptionId: string;
  stripeCustomerId: string;
  stripePriceId: string | null;
  cancelAtPeriodEnd: boolean;
  trialEnd: Date | null;
  syncedAt: Date;
}

const subscriptionColumns = [
  'org_id',
  'stripe_subscription_id',
  'stripe_customer_id',
  'stripe_price_id',
  'plan_key',
  'status',
  'current_period_start',
  'current_period_end',
  'cancel_at_period_end',
  'trial_end',
  'past_due_since',
  'synced_at',
] as const;

function toSubscription(row: Pick<Selectable<Subscriptions>, (typeof subscriptionColumns)[number]>): Subscription {
  return {
    orgId: row.org_id,
    stripeSubscriptionId: row.stripe_subscription_id,
    stripeCustomerId: row.stripe_customer_id,
    stripePriceId: row.stripe_price_id,
    planKey: row.plan_key && (PLAN_KEYS as string[]).includes(row.plan_key) ? (row.plan_key as PlanKey) : null,
    status: row.status as SubscriptionStatus,
    currentPeriodStart: row.current_period_start,
    currentPeriodEnd: row.current_period_end,
    cancelAtPeriodEnd: row.cancel_at_period_end,
    trialEnd: row.trial_end,
    pastDueSince: row.past_due_since,
    syncedAt: row.synced_at,
  };
}

/** The subscription of each organisation that has one, in one query. */
export async function findSubscriptions(db: Executor, orgIds: readonly string[]): Promise<Map<string, Subscription>> {
  if (orgIds.length === 0) return new Map();
  const rows = await db.selectFrom('subscriptions').select(subscriptionColumns).where('org_id', 'in', [...orgIds]).execute();
  return new Map(rows.map((r) => [r.org_id, toSubscription(r)]));
}

export async function findSubscription(db: Executor, orgId: string): Promise<Subscription | undefined> {
  return (await findSubscriptions(db, [orgId])).get(orgId);
}

/** Replaces the organisation's subscription with what Stripe says now (the caller holds the org lock). */
export async function saveSubscription(db: Executor, s: Omit<Subscription, 'syncedAt'>): Promise<Subscription> {
  const values = {
    stripe_subscription_id: s.stripeSubscriptionId,
    stripe_customer_id: s.stripeCustomerId,
    stripe_price_id: s.stripePriceId,
    plan_key: s.planKey,
    status: s.status,
    current_period_start: s.currentPeriodStart,
    current_period_end: s.currentPeriodEnd,
    cancel_at_period_end: s.cancelAtPeriodEnd,
    trial_end: s.trialEnd,
    past_due_since: s.pastDueSince,
    synced_at: sql<Date>`now()`,
  };
  const row = await db
    .insertInto('subscriptions')
    .values({ org_id: s.orgId, ...values })
    .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
    .returning(subscriptionColumns)
    .executeTakeFirstOrThrow();
  return toSubscription(row);
}

/** The organisation's Stripe customer id, if it has one yet. */
export async function findCustomerId(db: Executor, orgId: string): Promise<string | undefined> {
  const row = await db.selectFrom('billing_customers').select('stripe_customer_id').where('org_id', '=', orgId).executeTakeFirst();
  return row?.stripe_customer_id;
}

export async function findOrgOfCustomer(db: Executor, customerId: string): Promise<string | undefined> {
  const row = await db.selectFrom('billing_customers').select('org_id').where('stripe_customer_id', '=', customerId).executeTakeFirst();
  return row?.org_id;
}

/** Records the organisation's customer unless it has one already; returns the one it has. */
export async function saveCustomerId(db: Executor, orgId: string, customerId: string): Promise<string> {
  await db.insertInto('billing_customers').values({ org_id: orgId, stripe_customer_id: customerId }).onConflict((oc) => oc.doNothing()).execute();
  return (await findCustomerId(db, orgId)) ?? customerId;
}

/**
 * Claims a webhook event for this transaction: true when it was not applied before. A concurrent
 * transaction claiming the same id waits here until this one ends, then finds it applied (or, if
 * this one rolled back, claims it).
 */
export async function claimStripeEvent(db: Executor, event: { id: string; type: string; created: Date }): Promise<boolean> {
  const row = await db
    .insertInto('stripe_events')
    .values({ id: event.id, type: event.type, stripe_created_at: event.created })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function setStripeEventOrg(db: Executor, eventId: string, orgId: string): Promise<void> {
  await db.updateTable('stripe_events').set({ org_id: orgId }).where('id', '=', eventId).execute();
}

/** What an organisation holds against its plan's caps: hired teammates, members, stored bytes. */
export interface Holdings {
  teammates: number;
  members: number;
  storageBytes: number;
}

/** Holdings of each organisation, in one query (storage as the storage cap counts it). */
export async function holdingsOf(db: Executor, orgIds: readonly string[]): Promise<Map<string, Holdings>> {
  if (orgIds.length === 0) return new Map();
  const { rows } = await sql<{ org_id: string; teammates: string; members: string; storage_bytes: string }>`
    select o.id as org_id,
      (select count(*) from teammates t where t.org_id = o.id and t.status = 'hired') as teammates,
      (select count(*) from org_members m where m.org_id = o.id) as members,
      (select coalesce(sum(f.size_bytes), 0) from files f
        where f.org_id = o.id and f.deleted_at is null and (f.status <> 'pending' or f.upload_expires_at > now())) as storage_bytes
    from orgs o
    where o.id = any(${[...orgIds]}::uuid[])
  `.execute(db);
  return new Map(rows.map((r) => [r.org_id, { teammates: Number(r.teammates), members: Number(r.members), storageBytes: Number(r.storage_bytes) }]));
}
