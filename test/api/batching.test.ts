import { describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { queryCounter, type TestServer, useTestServer } from '../helpers/server.ts';

/** Lists resolve their edges in batches: the number of SQL queries does not grow with the list. */
let server: TestServer;
const counter = queryCounter();
useTestServer({ onQuery: counter.onQuery }, (s) => (server = s));

const QUERY = `{ viewer { orgs { name viewerRole settings { timezone } members { edges { node { role user { displayName email } } } } } } }`;

async function joinTeams(owner: TestUser, count: number, membersEach: number) {
  for (let i = 0; i < count; i += 1) {
    const org = await server.gql<{ createOrg: { org: { id: string } } }>(
      'mutation($name: String!) { createOrg(input: { name: $name }) { ... on OrgPayload { org { id } } } }',
      { name: `Team ${i}` },
      { token: owner.token },
    );
    const orgId = org.data!.createOrg.org.id;
    for (let m = 0; m < membersEach; m += 1) {
      const person = await signUpUser(server, `M${i}x${m}`);
      const invite = await server.gql<{ inviteMember: { token: string } }>(
        'mutation($email: String!) { inviteMember(input: { email: $email }) { ... on InviteMemberPayload { token } } }',
        { email: person.email },
        { token: owner.token, headers: { 'x-tmates-org': orgId } },
      );
      await server.gql('mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.data!.inviteMember.token }, { token: person.token });
    }
  }
}

async function countQueries(user: TestUser): Promise<number> {
  const { result, queries } = await counter.count(() => server.gql(QUERY, {}, { token: user.token }));
  expect(result.errors).toBeUndefined();
  return queries;
}

describe('batching', () => {
  it('viewer → orgs → members → users costs the same number of queries for 2 orgs as for 12', async () => {
    const small = await signUpUser(server, 'Small');
    await joinTeams(small, 1, 2);
    const large = await signUpUser(server, 'Large');
    await joinTeams(large, 11, 3);
    const few = await countQueries(small);
    const many = await countQueries(large);
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(6);
  });
});
