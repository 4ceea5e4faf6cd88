import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { directThreadOf } from '../helpers/agents.ts';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';

/**
 * Billing against a local server speaking Stripe's REST API, through the real stripe library, with
 * webhooks signed by the library's own test-header helper and delivered over real HTTP.
 */
type Data = Record<string, any>;
let server: TestServer;
let fake: FakeStripe;

beforeAll(async () => {
  fake = await startFakeStripe([
    { id: 'price_basic_monthly', unit_amount: 900, interval: 'month' },
    { id: 'price_pro_monthly', lookup_key: 'tmates_pro', unit_amount: 2900, interval: 'month' },
    { id: 'price_business_yearly', lookup_key: 'tmates_business', unit_amount: 120_000, currency: 'eur', interval: 'year' },
    { id: 'price_old_pro', lookup_key: 'tmates_pro_old', unit_amount: 1900, active: false },
  ]);
});
afterAll(() => fake?.close());
useTestServer(
  () => ({
    env: {
      STRIPE_SECRET_KEY: fake.secretKey,
      STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
      STRIPE_API_BASE: fake.apiBase,
      STRIPE_PRICE_BASIC: 'price_basic_monthly',
      PUBLIC_URL: 'https://tmates.example.test',
      FILE_MAX_BYTES: '2000000000',
      DATABASE_POOL_SIZE: '20',
    },
  }),
  (s) => (server = s),
);

const raw = (globalId: string) => decodeGlobalID(globalId).id;

async function gql(user: TestUser | null, query: string, variables: Data = {}, orgId?: string): Promise<Data> {
  const result = await server.gql<Data>(query, variables, { token: user?.token, headers: orgId ? { 'x-tmates-org': orgId } : {} });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!;
}

const CHECKOUT = `mutation($plan: PlanKey!) { startCheckout(input: { plan: $plan }) { __typename ... on BillingUrlPayload { url } ... on Error { message } } }`;
const PORTAL = `mutation { openBillingPortal { __typename ... on BillingUrlPayload { url } ... on Error { message } } }`;
const BILLING = `{ viewer { currentOrg { id plan { key } subscription { status plan { key } currentPeriodEnd cancelAtPeriodEnd trialEnd graceEndsAt }
  usage { periodStart periodEnd runs maxRuns teammates maxTeammates members maxMembers storageBytes maxStorageBytes plan { key } } } } }`;

async function billing(user: TestUser, orgId?: string): Promise<Data> {
  return (await gql(user, BILLING, {}, orgId)).viewer.currentOrg;
}

async function deliver(body: string, signature: string | null): Promise<{ status: number; body: Data }> {
  const response = await fetch(server.url.replace('/graphql', '/webhooks/stripe'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Data };
}

async function send(event: Data) {
  const { body, signature } = fake.signedEvent(event);
  return deliver(body, signature);
}

const sessionIdOf = (url: string) => url.split('/').at(-1)!;
const retrievesOf = (subscriptionId: string) => fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/subscriptions/${subscriptionId}`).length;

/** An owner whose organisation went through checkout for `plan`; returns the Stripe objects. */
async function subscribed(plan: 'PRO' | 'BASIC', name = 'Payer') {
  const owner = await signUpUser(server, name);
  const started = await gql(owner, CHECKOUT, { plan });
  expect(started.startCheckout.__typename).toBe('BillingUrlPayload');
  const { session, subscription } = fake.completeCheckout(sessionIdOf(started.startCheckout.url));
  expect((await send(fake.event('checkout.session.completed', session))).status).toBe(200);
  return { owner, session, subscription };
}

async function stripeEventRows(orgId?: string): Promise<number> {
  let query = server.app.services.db.selectFrom('stripe_events').select((eb) => eb.fn.countAll<string>().as('n'));
  if (orgId) query = query.where('org_id', '=', orgId);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

describe('plans', () => {
  it('are public, with prices read from Stripe by price id or lookup key', async () => {
    const { plans } = await gql(null, '{ plans { key name description monthlyPrice currency billingInterval purchasable limits { teammates members monthlyRuns storageBytes } } }');
    const byKey = Object.fromEntries(plans.map((p: Data) => [p.key, p]));
    expect(Object.keys(byKey)).toEqual(['FREE', 'BASIC', 'PRO', 'MAX', 'TEAM', 'BUSINESS', 'ENTERPRISE']);
    expect(byKey.BASIC).toMatchObject({ monthlyPrice: 900, currency: 'usd', billingInterval: 'month', purchasable: true }); // STRIPE_PRICE_BASIC id
    expect(byKey.PRO).toMatchObject({ monthlyPrice: 2900, currency: 'usd', purchasable: true }); // lookup key tmates_pro
    expect(byKey.BUSINESS).toMatchObject({ monthlyPrice: 10_000, currency: 'eur', billingInterval: 'year', purchasable: true });
    expect(byKey.FREE).toMatchObject({ monthlyPrice: null, purchasable: false, limits: { teammates: 15, members: 1, monthlyRuns: 1000, storageBytes: 1024 ** 3 } });
    expect(byKey.MAX).toMatchObject({ monthlyPrice: null, purchasable: false });
  });
});

describe('checkout → webhook → plan in force', () => {
  it('starts a subscription-mode session for the org with one customer, and the webhook puts the plan in force', async () => {
    const owner = await signUpUser(server, 'Buyer');
    const orgId = raw(owner.orgId);
    expect(await billing(owner)).toMatchObject({ plan: { key: 'FREE' }, subscription: null, usage: { maxTeammates: 15, maxMembers: 1 } });

    // Two first checkouts at once still make one Stripe customer (idempotency key) recorded once.
    const [first, second] = await Promise.all([gql(owner, CHECKOUT, { plan: 'PRO' }), gql(owner, CHECKOUT, { plan: 'PRO' })]);
    expect(first.startCheckout.url).toMatch(/^https:\/\/checkout\.stripe\.test\/c\/pay\/cs_test_/);
    expect(second.startCheckout.__typename).toBe('BillingUrlPayload');
    const customerCreates = fake.requests.filter((r) => r.path === '/v1/customers');
    expect(new Set(customerCreates.map((r) => r.idempotencyKey))).toEqual(new Set([`tmates-org-customer-${orgId}`]));
    const customers = [...fake.customers.values()].filter((c) => c.metadata.org_id === orgId);
    expect(customers).toHaveLength(1);
    const session = fake.sessions.get(sessionIdOf(first.startCheckout.url))!;
    expect(session).toMatchObject({
      mode: 'subscription',
      customer: customers[0]!.id,
      client_reference_id: orgId,
      success_url: 'https://tmates.example.test/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://tmates.example.test/billing?checkout=cancelled',
      line_items_params: [{ price: 'price_pro_monthly', quantity: '1' }],
    });

    const periodStart = new Date(Date.now() - 3 * 24 * 3600 * 1000);
    const { session: completed, subscription } = fake.completeCheckout(session.id, { periodStart });
    const delivered = await send(fake.event('checkout.session.completed', completed));
    expect(delivered).toEqual({ status: 200, body: { received: true, outcome: 'applied' } });
    const after = await billing(owner);
    expect(after).toMatchObject({
      plan: { key: 'PRO' },
      subscription: { status: 'ACTIVE', plan: { key: 'PRO' }, cancelAtPeriodEnd: false, trialEnd: null, graceEndsAt: null },
      usage: { plan: { key: 'PRO' }, maxTeammates: 50, maxMembers: 5, teammates: 1, members: 1 },
    });
    expect(new Date(after.subscription.currentPeriodEnd).getTime()).toBe(subscription.items.data[0].current_period_end * 1000);
    // Usage counts from the subscription's period, not the calendar month.
    expect(new Date(after.usage.periodStart).getTime()).toBe(subscription.items.data[0].current_period_start * 1000);

    // A second checkout while subscribed is refused; the portal is the place to change plans.
    expect((await gql(owner, CHECKOUT, { plan: 'BASIC' })).startCheckout).toMatchObject({ __typename: 'ConflictError' });
    const portal = await gql(owner, PORTAL);
    expect(portal.openBillingPortal.url).toMatch(/^https:\/\/billing\.stripe\.test\//);
    expect(fake.portalSessions.at(-1)).toMatchObject({ customer: customers[0]!.id, return_url: 'https://tmates.example.test/billing' });

    // A plan changed in the portal comes back by webhook.
    fake.updateSubscription(subscription.id, { priceId: 'price_basic_monthly' });
    await send(fake.event('customer.subscription.updated', fake.subscriptions.get(subscription.id)!));
    expect(await billing(owner)).toMatchObject({ plan: { key: 'BASIC' }, usage: { maxMembers: 2 } });
  });

  it('refuses plans not for sale, and members who are not owners or admins', async () => {
    const owner = await signUpUser(server, 'Picky');
    expect((await gql(owner, CHECKOUT, { plan: 'FREE' })).startCheckout).toMatchObject({ __typename: 'ValidationError' });
    expect((await gql(owner, CHECKOUT, { plan: 'MAX' })).startCheckout).toMatchObject({ __typename: 'ValidationError', message: expect.stringContaining('not for sale') });
    expect((await gql(owner, PORTAL)).openBillingPortal).toMatchObject({ __typename: 'ConflictError' }); // no customer yet

    // A team organisation on basic (two members), so that a plain member can join it.
    const team = await gql(owner, 'mutation { createOrg(input: { name: "Shop" }) { ... on OrgPayload { org { id } } } }');
    const teamId = team.createOrg.org.id;
    const started = await gql(owner, CHECKOUT, { plan: 'BASIC' }, teamId);
    expect(fake.sessions.get(sessionIdOf(started.startCheckout.url))!.client_reference_id).toBe(raw(teamId));
    await send(fake.event('checkout.session.completed', fake.completeCheckout(sessionIdOf(started.startCheckout.url)).session));
    expect((await billing(owner, teamId)).plan.key).toBe('BASIC');
    expect((await billing(owner)).plan.key).toBe('FREE'); // the owner's personal organisation is not affected
    const member = await signUpUser(server, 'Clerk');
    const invite = await gql(owner, 'mutation($e: String!) { inviteMember(input: { email: $e, role: MEMBER }) { ... on InviteMemberPayload { token } } }', { e: member.email }, teamId);
    await gql(member, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.inviteMember.token });
    expect((await gql(member, CHECKOUT, { plan: 'PRO' }, teamId)).startCheckout).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await gql(member, PORTAL, {}, teamId)).openBillingPortal).toMatchObject({ __typename: 'ForbiddenError' });
  });
});

describe('webhook deliveries', () => {
  it('applies a duplicate delivery once, one after the other and at the same time', async () => {
    const { owner, subscription } = await subscribed('PRO', 'Dup');
    const orgId = raw(owner.orgId);
    fake.updateSubscription(subscription.id, { cancel_at_period_end: true });
    const event = fake.event('customer.subscription.updated', fake.subscriptions.get(subscription.id)!);
    const before = retrievesOf(subscription.id);
    expect((await send(event)).body.outcome).toBe('applied');
    expect((await send(event)).body.outcome).toBe('duplicate');
    expect(retrievesOf(subscription.id) - before).toBe(1);

    const concurrent = fake.event('invoice.paid', { id: 'in_1', object: 'invoice', customer: subscription.customer, parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, metadata: {} } } });
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => send(concurrent)));
    expect(outcomes.map((o) => o.status)).toEqual(Array(8).fill(200));
    expect(outcomes.filter((o) => o.body.outcome === 'applied')).toHaveLength(1);
    expect(outcomes.filter((o) => o.body.outcome === 'duplicate')).toHaveLength(7);
    expect(retrievesOf(subscription.id) - before).toBe(2);
    expect(await stripeEventRows(orgId)).toBe(3); // checkout, updated, invoice.paid
    expect((await billing(owner)).subscription).toMatchObject({ status: 'ACTIVE', cancelAtPeriodEnd: true });
  });

  it('applies the current state when updated and deleted arrive out of order, or days late', async () => {
    const { owner, subscription } = await subscribed('PRO', 'Late');
    const updated = fake.event('customer.subscription.updated', fake.updateSubscription(subscription.id, { priceId: 'price_basic_monthly' }));
    const deleted = fake.event('customer.subscription.deleted', fake.updateSubscription(subscription.id, { status: 'canceled' }));
    expect((await send(deleted)).body.outcome).toBe('applied');
    expect(await billing(owner)).toMatchObject({ plan: { key: 'FREE' }, subscription: { status: 'CANCELED' } });
    expect((await send(updated)).body.outcome).toBe('applied'); // older: must not bring the subscription back
    expect(await billing(owner)).toMatchObject({ plan: { key: 'FREE' }, subscription: { status: 'CANCELED', plan: { key: 'BASIC' } } });

    // A retry of the checkout event three days late changes nothing either.
    const stale = fake.event('customer.subscription.created', { ...subscription, status: 'active' }, { created: new Date(Date.now() - 3 * 24 * 3600 * 1000) });
    expect((await send(stale)).status).toBe(200);
    expect((await billing(owner)).plan.key).toBe('FREE');
  });

  it('follows a paused and resumed subscription', async () => {
    const { owner, subscription } = await subscribed('PRO', 'Pauser');
    await send(fake.event('customer.subscription.paused', fake.updateSubscription(subscription.id, { status: 'paused' })));
    expect(await billing(owner)).toMatchObject({ plan: { key: 'FREE' }, subscription: { status: 'PAUSED', plan: { key: 'PRO' } } });
    await send(fake.event('customer.subscription.resumed', fake.updateSubscription(subscription.id, { status: 'active' })));
    expect(await billing(owner)).toMatchObject({ plan: { key: 'PRO' }, subscription: { status: 'ACTIVE' } });
  });

  it('refuses bad and stale signatures with 400 and writes nothing', async () => {
    const { owner, subscription } = await subscribed('PRO', 'Forged');
    const orgId = raw(owner.orgId);
    const rows = await stripeEventRows();
    const event = fake.event('customer.subscription.deleted', fake.updateSubscription(subscription.id, { status: 'canceled' }));
    const good = fake.signedEvent(event);
    const attempts = [
      deliver(good.body, null),
      deliver(good.body, 'garbage'),
      deliver(good.body, fake.signedEvent(event, { secret: 'whsec_wrong' }).signature),
      deliver(good.body.replace('"canceled"', '"active"'), good.signature),
      deliver(good.body, fake.signedEvent(event, { timestamp: Math.floor(Date.now() / 1000) - 3600 }).signature),
    ];
    for (const result of await Promise.all(attempts)) expect(result.status).toBe(400);
    expect(await stripeEventRows()).toBe(rows);
    expect((await billing(owner)).plan.key).toBe('PRO');
    expect((await send(event)).status).toBe(200); // the genuine delivery still works
    expect((await billing(owner)).plan.key).toBe('FREE');
    expect(await stripeEventRows(orgId)).toBe(2);
  });

  it('acknowledges events it does not handle, and events for no known organisation, without effect', async () => {
    const other = await send(fake.event('customer.created', { id: 'cus_x', object: 'customer' }));
    expect(other).toEqual({ status: 200, body: { received: true, outcome: 'ignored' } });
    const stranger = await send(fake.event('customer.subscription.updated', { id: 'sub_nobody', object: 'subscription', customer: 'cus_nobody', metadata: {} }));
    expect(stranger.body.outcome).toBe('ignored');
    expect((await fetch(server.url.replace('/graphql', '/webhooks/stripe'))).status).toBe(405);
  });
});

describe('past due', () => {
  it('keeps the plan for the grace period after a failed payment, then falls back to free', async () => {
    const { owner, subscription } = await subscribed('PRO', 'Overdue');
    const failedAt = new Date(Date.now() - 60_000);
    fake.updateSubscription(subscription.id, { status: 'past_due' });
    const invoice = { id: 'in_failed', object: 'invoice', customer: subscription.customer, parent: { type: 'subscription_details', subscription_details: { subscription: subscription.id, metadata: {} } } };
    expect((await send(fake.event('invoice.payment_failed', invoice, { created: failedAt }))).body.outcome).toBe('applied');
    const graceEnd = Math.floor(failedAt.getTime() / 1000) * 1000 + 7 * 24 * 3600 * 1000;
    const during = await billing(owner);
    expect(during).toMatchObject({ plan: { key: 'PRO' }, subscription: { status: 'PAST_DUE' } });
    expect(new Date(during.subscription.graceEndsAt).getTime()).toBe(graceEnd);

    const clock = server.app.services.clock;
    const realNow = clock.now;
    try {
      clock.now = () => new Date(graceEnd - 1000);
      expect((await billing(owner)).plan.key).toBe('PRO');
      clock.now = () => new Date(graceEnd + 1000);
      expect(await billing(owner)).toMatchObject({ plan: { key: 'FREE' }, usage: { maxTeammates: 15 } });
      // Enforcement follows: hiring past the free cap would now be refused by the free plan's limits.
      fake.updateSubscription(subscription.id, { status: 'active' });
      await send(fake.event('invoice.paid', invoice));
      expect(await billing(owner)).toMatchObject({ plan: { key: 'PRO' }, subscription: { status: 'ACTIVE', graceEndsAt: null } });
    } finally {
      clock.now = realNow;
    }
  });
});

describe('downgrade while over the caps', () => {
  it('keeps the data and blocks hiring, members, runs and storage over the new caps', async () => {
    const { owner, subscription } = await subscribed('BASIC', 'Shrink');
    const orgId = raw(owner.orgId);
    const CREATE = `mutation($name: String!) { createTeammate(input: { name: $name, role: "Helper", personality: "Kind.", instructions: "Help." }) { __typename ... on PlanLimitError { limit max } } }`;
    for (let i = 0; i < 16; i += 1) expect((await gql(owner, CREATE, { name: `Helper ${i}` })).createTeammate.__typename).toBe('Teammate');
    const UPLOAD = `mutation($input: CreateUploadUrlInput!) { createUploadUrl(input: $input) { __typename ... on PlanLimitError { limit max } } }`;
    expect((await gql(owner, UPLOAD, { input: { name: 'big.pdf', contentType: 'application/pdf', size: 1_500_000_000 } })).createUploadUrl.__typename).toBe('CreateUploadUrlPayload');
    // 1,200 runs already spent this period (more than free's 1,000, less than basic's 5,000).
    await server.app.services.db.insertInto('usage_events').values({ org_id: orgId, kind: 'run', quantity: 1200 }).execute();
    const threadId = await directThreadOf(server, owner);
    const SEND = `mutation($threadId: ID!, $body: String!) { sendMessage(input: { threadId: $threadId, body: $body }) { __typename ... on SendMessagePayload { runs { id } } ... on PlanLimitError { limit max } } }`;
    const first = await gql(owner, SEND, { threadId, body: 'hello' });
    expect(first.sendMessage).toMatchObject({ __typename: 'SendMessagePayload', runs: [{ id: expect.any(String) }] });
    // (no worker here: stop the queued run, so the next message needs a run of its own)
    await gql(owner, 'mutation($id: ID!) { cancelRun(input: { runId: $id }) { __typename } }', { id: first.sendMessage.runs[0].id });

    fake.updateSubscription(subscription.id, { status: 'canceled' });
    await send(fake.event('customer.subscription.deleted', fake.subscriptions.get(subscription.id)!));
    const after = await billing(owner);
    expect(after).toMatchObject({ plan: { key: 'FREE' }, usage: { teammates: 17, maxTeammates: 15, storageBytes: 1_500_000_000, maxStorageBytes: 1024 ** 3 } });
    expect(after.usage.runs).toBeGreaterThanOrEqual(1201); // counted in the calendar month now

    expect((await gql(owner, CREATE, { name: 'One more' })).createTeammate).toEqual({ __typename: 'PlanLimitError', limit: 'teammates', max: 15 });
    expect((await gql(owner, 'mutation { hireTeammate(input: { catalogKey: "writer" }) { __typename ... on PlanLimitError { limit } } }')).hireTeammate).toEqual({ __typename: 'PlanLimitError', limit: 'teammates' });
    expect((await gql(owner, SEND, { threadId, body: 'again' })).sendMessage).toEqual({ __typename: 'PlanLimitError', limit: 'monthly_runs', max: 1000 });
    expect((await gql(owner, UPLOAD, { input: { name: 'small.pdf', contentType: 'application/pdf', size: 10 } })).createUploadUrl).toMatchObject({ __typename: 'PlanLimitError', limit: 'storage_mb' });
    const listed = await gql(owner, '{ teammates(first: 100) { edges { node { id } } } }');
    expect(listed.teammates.edges).toHaveLength(17); // nothing was deleted

    // Members: a team on basic (2 members) with two people, downgraded to free (1): both stay, a third is refused.
    const team = await gql(owner, 'mutation { createOrg(input: { name: "Shrinking team" }) { ... on OrgPayload { org { id } } } }');
    const teamId = team.createOrg.org.id;
    const started = await gql(owner, CHECKOUT, { plan: 'BASIC' }, teamId);
    const teamCheckout = fake.completeCheckout(sessionIdOf(started.startCheckout.url));
    await send(fake.event('checkout.session.completed', teamCheckout.session));
    const INVITE = 'mutation($e: String!) { inviteMember(input: { email: $e }) { __typename ... on InviteMemberPayload { token } ... on Error { message } } }';
    const ACCEPT = 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename ... on PlanLimitError { limit max } } }';
    const friend = await signUpUser(server, 'Friend');
    const late = await signUpUser(server, 'Latecomer');
    const invites = [await gql(owner, INVITE, { e: friend.email }, teamId), await gql(owner, INVITE, { e: late.email }, teamId)];
    expect((await gql(friend, ACCEPT, { t: invites[0]!.inviteMember.token })).acceptInvitation.__typename).toBe('OrgPayload');
    fake.updateSubscription(teamCheckout.subscription.id, { status: 'unpaid' });
    await send(fake.event('customer.subscription.updated', fake.subscriptions.get(teamCheckout.subscription.id)!));
    expect(await billing(owner, teamId)).toMatchObject({ plan: { key: 'FREE' }, subscription: { status: 'UNPAID' }, usage: { members: 2, maxMembers: 1 } });
    expect((await gql(late, ACCEPT, { t: invites[1]!.inviteMember.token })).acceptInvitation).toEqual({ __typename: 'PlanLimitError', limit: 'members', max: 1 });
    expect((await billing(friend, teamId)).usage.members).toBe(2); // the member already in stays
  });
});

describe('tenancy', () => {
  it("a second organisation's member can neither start checkout for the first one nor see its subscription", async () => {
    const { owner } = await subscribed('PRO', 'Tenant');
    const stranger = await signUpUser(server, 'Stranger');
    const sessionsBefore = fake.sessions.size;
    const refused = await server.gql<Data>(CHECKOUT, { plan: 'BASIC' }, { token: stranger.token, headers: { 'x-tmates-org': owner.orgId } });
    expect(refused.data?.startCheckout?.__typename).not.toBe('BillingUrlPayload');
    expect(fake.sessions.size).toBe(sessionsBefore);
    const own = await gql(stranger, CHECKOUT, { plan: 'BASIC' });
    expect(fake.sessions.get(sessionIdOf(own.startCheckout.url))!.client_reference_id).toBe(raw(stranger.orgId));
    expect(fake.sessions.size).toBe(sessionsBefore + 1);
    const seen = await gql(stranger, 'query($id: ID!) { node(id: $id) { ... on Org { subscription { status } plan { key } } } }', { id: owner.orgId });
    expect(seen.node).toBeNull();
    expect((await billing(stranger)).subscription).toBeNull();
    const portal = await server.gql<Data>(PORTAL, {}, { token: stranger.token, headers: { 'x-tmates-org': owner.orgId } });
    expect(portal.data?.openBillingPortal?.__typename).not.toBe('BillingUrlPayload');
  });
});
