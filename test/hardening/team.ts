import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import type { TestServer } from '../helpers/server.ts';

type Data = Record<string, any>;

export interface Team {
  org: string;
  owner: TestUser;
  member: TestUser;
  /** Runs an operation as `who` in the team organisation; throws on top-level errors. */
  as(who: TestUser, query: string, variables?: Data): Promise<Data>;
}

/** A team organisation with an owner and a plain member, made through the real API. */
export async function makeTeam(server: TestServer, name = 'Team'): Promise<Team> {
  const owner = await signUpUser(server, `${name} Owner`);
  const member = await signUpUser(server, `${name} Member`);
  const ok = async (token: string, query: string, variables: Data = {}, headers: Record<string, string> = {}) => {
    const result = await server.gql<Data>(query, variables, { token, headers });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data!;
  };
  const org = (await ok(owner.token, 'mutation($n: String!) { createOrg(input: { name: $n }) { ... on OrgPayload { org { id } } } }', { n: name })).createOrg.org.id;
  const invite = await ok(owner.token, 'mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }', { e: member.email }, { 'x-tmates-org': org });
  await ok(member.token, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.inviteMember.token });
  return { org, owner, member, as: (who, query, variables = {}) => ok(who.token, query, variables, { 'x-tmates-org': org }) };
}
