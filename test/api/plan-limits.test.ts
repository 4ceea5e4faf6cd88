import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { type Data } from '../helpers/kit.ts';

/** Plan caps, enforced atomically with the write they guard (here the free plan: 15 teammates, 1 member). */
let server: TestServer;
useTestServer({ env: { DEFAULT_PLAN: 'free', DATABASE_POOL_SIZE: '25' } }, (s) => (server = s));

const CREATE = `mutation($name: String!) { createTeammate(input: { name: $name, role: "Helper", personality: "Kind.", instructions: "Help." }) { __typename ... on PlanLimitError { limit max message } } }`;
const HIRE = `mutation($key: String!) { hireTeammate(input: { catalogKey: $key }) { __typename ... on Teammate { id } ... on PlanLimitError { limit max } } }`;

describe('teammate cap', () => {
  it('twenty concurrent additions at the cap never exceed it', async () => {
    const owner = await signUpUser(server, 'Capped'); // the starter makes 1
    for (let i = 0; i < 12; i += 1) await server.gql(CREATE, { name: `Seq ${i}` }, { token: owner.token });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => server.gql<Data>(CREATE, { name: `Race ${i}` }, { token: owner.token })),
    );
    const kinds = results.map((r) => r.data!.createTeammate.__typename);
    expect(kinds.filter((k) => k === 'Teammate')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'PlanLimitError')).toHaveLength(18);
    const refusal = results.find((r) => r.data!.createTeammate.__typename === 'PlanLimitError')!.data!.createTeammate;
    expect(refusal).toEqual({
      __typename: 'PlanLimitError',
      limit: 'teammates',
      max: 15,
      message: 'Your plan allows 15 hired teammates; dismiss one or upgrade to add more',
    });
    const listed = await server.gql<Data>('{ teammates(first: 100) { edges { node { id } } } }', {}, { token: owner.token });
    expect(listed.data!.teammates.edges).toHaveLength(15);

    // Hiring is capped too; dismissing frees a place.
    expect((await server.gql<Data>(HIRE, { key: 'writer' }, { token: owner.token })).data!.hireTeammate).toEqual({
      __typename: 'PlanLimitError',
      limit: 'teammates',
      max: 15,
    });
    const victim = listed.data!.teammates.edges[0].node.id;
    await server.gql('mutation($id: ID!) { dismissTeammate(input: { teammateId: $id }) { __typename } }', { id: victim }, { token: owner.token });
    expect((await server.gql<Data>(HIRE, { key: 'writer' }, { token: owner.token })).data!.hireTeammate.__typename).toBe('Teammate');
  });
});

describe('member cap', () => {
  it('refuses a member beyond the plan with a typed error', async () => {
    const owner = await signUpUser(server, 'Lonely');
    const friend = await signUpUser(server, 'Friend');
    const org = await server.gql<Data>('mutation { createOrg(input: { name: "Solo Team" }) { ... on OrgPayload { org { id } } } }', {}, { token: owner.token });
    const invite = await server.gql<Data>(
      'mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }',
      { e: friend.email },
      { token: owner.token, headers: { 'x-tmates-org': org.data!.createOrg.org.id } },
    );
    const accepted = await server.gql<Data>(
      'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename ... on PlanLimitError { limit max } } }',
      { t: invite.data!.inviteMember.token },
      { token: friend.token },
    );
    expect(accepted.data!.acceptInvitation).toEqual({ __typename: 'PlanLimitError', limit: 'members', max: 1 });
  });
});

describe('teammate cap under a burst of parallel transactions', () => {
  it('holds when twenty transactions start at the same instant', async () => {
    const { authenticate } = await import('../../src/services/viewer.ts');
    const { createTeammate } = await import('../../src/services/teammates.ts');
    const owner = await signUpUser(server, 'Burst');
    const viewer = (await authenticate(server.app.services, { token: owner.token }))!;
    for (let i = 0; i < 12; i += 1) await createTeammate(server.app.services, viewer, { name: `Seq ${i}`, role: 'r', personality: 'p', instructions: 'i' });
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        createTeammate(server.app.services, viewer, { name: `Burst ${i}`, role: 'r', personality: 'p', instructions: 'i' }),
      ),
    );
    expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(2);
    const hired = await server.app.services.db
      .selectFrom('teammates')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('org_id', '=', viewer.org.id)
      .where('status', '=', 'hired')
      .executeTakeFirstOrThrow();
    expect(Number(hired.n)).toBe(15);
  });
});
