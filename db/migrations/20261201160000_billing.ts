import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table billing_customers (
      org_id uuid primary key references orgs (id) on delete cascade,
      stripe_customer_id text not null unique check (length(stripe_customer_id) between 1 and 255),
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`comment on table billing_customers is 'The one Stripe customer of an organisation, created on its first checkout'`.execute(db);

  await sql`
    create table subscriptions (
      org_id uuid primary key references orgs (id) on delete cascade,
      stripe_subscription_id text not null unique check (length(stripe_subscription_id) between 1 and 255),
      stripe_customer_id text not null check (length(stripe_customer_id) between 1 and 255),
      stripe_price_id text,
      plan_key text check (plan_key ~ '^[a-z][a-z0-9_]{0,39}$'),
      status text not null check (status in ('active', 'trialing', 'past_due', 'canceled', 'unpaid', 'incomplete', 'incomplete_expired', 'paused')),
      current_period_start timestamptz,
      current_period_end timestamptz,
      cancel_at_period_end boolean not null default false,
      trial_end timestamptz,
      past_due_since timestamptz,
      synced_at timestamptz not null default now(),
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    comment on table subscriptions is
      'The Stripe subscription an organisation is on, as last retrieved from Stripe (webhooks sync it); the plan in force is derived from status and past_due_since'
  `.execute(db);
  await sql`comment on column subscriptions.past_due_since is 'When the subscription became past_due (the grace period counts from here); null otherwise'`.execute(db);

  await sql`
    create table stripe_events (
      id text primary key check (length(id) between 1 and 255),
      type text not null,
      stripe_created_at timestamptz not null,
      org_id uuid references orgs (id) on delete set null,
      processed_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`
    comment on table stripe_events is
      'Stripe webhook events already applied: written in the transaction of their effect, so each event id is applied once'
  `.execute(db);
  await sql`create index stripe_events_org_idx on stripe_events (org_id)`.execute(db);

  // What a run spent is estimated (counted from the text with a tokenizer) when the provider
  // reported nothing, e.g. for a reply cancelled mid-stream.
  await sql`alter table runs add column tokens_estimated boolean not null default false`.execute(db);
  await sql`alter table usage_events add column tokens_estimated boolean not null default false`.execute(db);
}
