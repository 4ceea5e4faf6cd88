import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';

/** Without STRIPE_SECRET_KEY billing is off: every organisation is on DEFAULT_PLAN, nothing is for sale. */
let server: TestServer;
useTestServer({ env: { DEFAULT_PLAN: 'pro' } }, (s) => (server = s));

type Data = Record<string, any>;

describe('billing off', () => {
  it('puts every organisation on DEFAULT_PLAN, sells nothing and has no webhook endpoint', async () => {
    const owner = await signUpUser(server, 'Self hoster');
    const { data } = await server.gql<Data>(
      '{ viewer { currentOrg { plan { key } subscription { status } usage { maxTeammates maxMembers plan { key } } } } }',
      {},
      { token: owner.token },
    );
    expect(data!.viewer.currentOrg).toEqual({ plan: { key: 'PRO' }, subscription: null, usage: { maxTeammates: 50, maxMembers: 5, plan: { key: 'PRO' } } });
    const plans = await server.gql<Data>('{ plans { key purchasable monthlyPrice } }');
    expect(plans.data!.plans.every((p: Data) => !p.purchasable && p.monthlyPrice === null)).toBe(true);
    const checkout = await server.gql<Data>('mutation { startCheckout(input: { plan: PRO }) { __typename ... on Error { message } } }', {}, { token: owner.token });
    expect(checkout.data!.startCheckout).toEqual({ __typename: 'ConflictError', message: expect.stringContaining('Billing is not enabled') });
    const webhook = await fetch(server.url.replace('/graphql', '/webhooks/stripe'), { method: 'POST', body: '{}', headers: { 'stripe-signature': 't=1,v1=x' } });
    expect(webhook.status).toBe(404);
  });
});
