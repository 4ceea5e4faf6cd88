import { describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';

let server: TestServer;
useTestServer({}, (s) => (server = s));

type Result = { __typename: string; message?: string } & Record<string, unknown>;
async function call(user: TestUser, query: string, variables: Record<string, unknown>, org?: string) {
  const result = await server.gql<Record<string, Result>>(query, variables, {
    token: user.token,
    headers: org ? { 'x-tmates-org': org } : {},
  });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return Object.values(result.data!)[0]!;
}

const CREATE_ORG = `mutation($name: String!) { createOrg(input: { name: $name }) { __typename ... on OrgPayload { org { id name kind viewerRole } } ... on Error { message } } }`;
const INVITE = `mutation($email: String!, $role: OrgRole) { inviteMember(input: { email: $email, role: $role }) { __typename ... on InviteMemberPayload { token invitation { id email role status } } ... on Error { message } } }`;
const ACCEPT = `mutation($token: String!) { acceptInvitation(input: { token: $token }) { __typename ... on OrgPayload { org { id name } } ... on Error { message } } }`;
const CHANGE_ROLE = `mutation($userId: ID!, $role: OrgRole!) { changeMemberRole(input: { userId: $userId, role: $role }) { __typename ... on ChangeMemberRolePayload { member { role user { id } } } ... on Error { message } } }`;
const REMOVE = `mutation($userId: ID!) { removeMember(input: { userId: $userId }) { __typename ... on Error { message } } }`;
const LEAVE = `mutation($orgId: ID!) { leaveOrg(input: { orgId: $orgId }) { __typename ... on LeaveOrgPayload { orgId } ... on Error { message } } }`;
const VIEWER = '{ viewer { role currentOrg { id name members { edges { node { role user { displayName } } } } } orgs { name kind } } }';

/** An owner with a team org, and members who joined it by invitation. */
async function teamWith(roles: Array<'ADMIN' | 'MEMBER'>) {
  const owner = await signUpUser(server, 'Owner');
  const created = await call(owner, CREATE_ORG, { name: 'Acme' });
  const orgId = (created.org as { id: string }).id;
  const members: TestUser[] = [];
  for (const [i, role] of roles.entries()) {
    const person = await signUpUser(server, `Person${i}`);
    const invite = await call(owner, INVITE, { email: person.email, role }, orgId);
    expect(invite.__typename).toBe('InviteMemberPayload');
    expect(await call(person, ACCEPT, { token: invite.token })).toMatchObject({ __typename: 'OrgPayload', org: { id: orgId } });
    members.push(person);
  }
  return { owner, orgId, members };
}

describe('organisations', () => {
  it('creates a team org owned by its creator and switches to it with X-Tmates-Org', async () => {
    const owner = await signUpUser(server, 'Founder');
    const created = await call(owner, CREATE_ORG, { name: '  Tmates Inc  ' });
    expect(created).toMatchObject({ __typename: 'OrgPayload', org: { name: 'Tmates Inc', kind: 'TEAM', viewerRole: 'OWNER' } });
    const orgId = (created.org as { id: string }).id;
    const viewer = await server.gql<{ viewer: { currentOrg: { id: string }; orgs: unknown[] } }>(VIEWER, {}, {
      token: owner.token,
      headers: { 'x-tmates-org': orgId },
    });
    expect(viewer.data?.viewer.currentOrg.id).toBe(orgId);
    expect(viewer.data?.viewer.orgs).toEqual([
      { name: 'Founder', kind: 'PERSONAL' },
      { name: 'Tmates Inc', kind: 'TEAM' },
    ]);
    expect((await call(owner, CREATE_ORG, { name: '' })).__typename).toBe('ValidationError');
  });

  it('invites by email token: only the invited address can accept, once', async () => {
    const owner = await signUpUser(server, 'Inviter');
    const orgId = ((await call(owner, CREATE_ORG, { name: 'Guild' })).org as { id: string }).id;
    const invitee = await signUpUser(server, 'Invitee');
    const stranger = await signUpUser(server, 'Stranger');
    const invite = await call(owner, INVITE, { email: invitee.email.toUpperCase() }, orgId);
    expect(invite.invitation).toMatchObject({ email: invitee.email, role: 'MEMBER', status: 'PENDING' });

    expect((await call(stranger, ACCEPT, { token: invite.token })).__typename).toBe('ForbiddenError');
    expect((await call(invitee, ACCEPT, { token: 'made-up-token' })).__typename).toBe('NotFoundError');
    expect((await call(invitee, ACCEPT, { token: invite.token })).__typename).toBe('OrgPayload');
    expect((await call(invitee, ACCEPT, { token: invite.token })).__typename).toBe('NotFoundError');
    expect((await call(owner, INVITE, { email: invitee.email }, orgId)).__typename).toBe('ConflictError');

    const asInvitee = await server.gql<{ viewer: { role: string; currentOrg: { members: { edges: unknown[] } } } }>(
      VIEWER,
      {},
      { token: invitee.token, headers: { 'x-tmates-org': orgId } },
    );
    expect(asInvitee.data?.viewer.role).toBe('MEMBER');
    expect(asInvitee.data?.viewer.currentOrg.members.edges).toEqual([
      { node: { role: 'OWNER', user: { displayName: 'Inviter' } } },
      { node: { role: 'MEMBER', user: { displayName: 'Invitee' } } },
    ]);
  });

  it('refuses invitations into a personal organisation', async () => {
    const solo = await signUpUser(server, 'Solo');
    expect((await call(solo, INVITE, { email: 'friend@example.com' })).__typename).toBe('ForbiddenError');
  });

  it('members cannot change roles, invite or remove anyone', async () => {
    const { owner, orgId, members } = await teamWith(['MEMBER', 'MEMBER']);
    const [alice, bob] = members as [TestUser, TestUser];
    const promote = await call(alice, CHANGE_ROLE, { userId: bob.userId, role: 'ADMIN' }, orgId);
    expect(promote).toMatchObject({ __typename: 'ForbiddenError', message: 'Members cannot change roles' });
    expect((await call(alice, CHANGE_ROLE, { userId: alice.userId, role: 'OWNER' }, orgId)).__typename).toBe('ForbiddenError');
    expect((await call(alice, INVITE, { email: 'x@example.com' }, orgId)).__typename).toBe('ForbiddenError');
    expect((await call(alice, REMOVE, { userId: owner.userId }, orgId)).__typename).toBe('ForbiddenError');
    const bobNow = await server.gql<{ viewer: { role: string } }>('{ viewer { role } }', {}, {
      token: bob.token,
      headers: { 'x-tmates-org': orgId },
    });
    expect(bobNow.data?.viewer.role).toBe('MEMBER');
  });

  it('admins manage members but not owners; owners manage everyone; the last owner stays', async () => {
    const { owner, orgId, members } = await teamWith(['ADMIN', 'MEMBER']);
    const [admin, member] = members as [TestUser, TestUser];
    expect(await call(admin, CHANGE_ROLE, { userId: member.userId, role: 'ADMIN' }, orgId)).toMatchObject({
      __typename: 'ChangeMemberRolePayload',
      member: { role: 'ADMIN' },
    });
    expect((await call(admin, CHANGE_ROLE, { userId: member.userId, role: 'OWNER' }, orgId)).__typename).toBe('ForbiddenError');
    expect((await call(admin, CHANGE_ROLE, { userId: owner.userId, role: 'MEMBER' }, orgId)).__typename).toBe('ForbiddenError');
    expect((await call(admin, REMOVE, { userId: owner.userId }, orgId)).__typename).toBe('ForbiddenError');

    const lastOwner = await call(owner, CHANGE_ROLE, { userId: owner.userId, role: 'ADMIN' }, orgId);
    expect(lastOwner.__typename).toBe('ConflictError');
    expect((await call(owner, LEAVE, { orgId }, orgId)).__typename).toBe('ConflictError');

    expect((await call(owner, CHANGE_ROLE, { userId: admin.userId, role: 'OWNER' }, orgId)).__typename).toBe(
      'ChangeMemberRolePayload',
    );
    expect((await call(owner, LEAVE, { orgId }, orgId)).__typename).toBe('LeaveOrgPayload');
    // Gone: the org is no longer selectable by the one who left.
    const after = await server.gql('{ viewer { role } }', {}, { token: owner.token, headers: { 'x-tmates-org': orgId } });
    expect(after.errors?.[0]?.extensions?.code).toBe('ORG_NOT_FOUND');
  });

  it('removing a member takes away their access at once', async () => {
    const { owner, orgId, members } = await teamWith(['MEMBER']);
    const [member] = members as [TestUser];
    expect((await call(owner, REMOVE, { userId: member.userId }, orgId)).__typename).toBe('OrgPayload');
    const after = await server.gql('{ viewer { role } }', {}, { token: member.token, headers: { 'x-tmates-org': orgId } });
    expect(after.errors?.[0]?.extensions?.code).toBe('ORG_NOT_FOUND');
  });

  it('a personal organisation cannot be left', async () => {
    const solo = await signUpUser(server, 'Homebody');
    expect((await call(solo, LEAVE, { orgId: solo.orgId })).__typename).toBe('ForbiddenError');
  });
});

describe('settings', () => {
  const UPDATE = `mutation($input: UpdateSettingsInput!) {
    updateSettings(input: $input) {
      __typename
      ... on UpdateSettingsPayload { settings { theme timezone notifications { enabled mentions directMessages teamMessages } } org { name settings { timezone goalTokenBudget } } }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }`;

  it('has defaults, and turning notifications off turns every message toggle off', async () => {
    const user = await signUpUser(server, 'Prefs');
    const before = await server.gql<{ viewer: { settings: unknown } }>(
      '{ viewer { settings { theme timezone usageAnalytics notifications { enabled mentions } } } }',
      {},
      { token: user.token },
    );
    expect(before.data?.viewer.settings).toEqual({
      theme: 'SYSTEM',
      timezone: 'UTC',
      usageAnalytics: true,
      notifications: { enabled: true, mentions: true },
    });
    const result = await call(user, UPDATE, { input: { user: { notifications: { enabled: false }, theme: 'DARK', timezone: 'Europe/Paris' } } });
    expect(result).toMatchObject({
      settings: {
        theme: 'DARK',
        timezone: 'Europe/Paris',
        notifications: { enabled: false, mentions: false, directMessages: false, teamMessages: false },
      },
    });
    const partial = await call(user, UPDATE, { input: { user: { theme: 'LIGHT' } } });
    expect(partial).toMatchObject({ settings: { theme: 'LIGHT', timezone: 'Europe/Paris' } });
  });

  it('validates time zones and limits, naming the field', async () => {
    const user = await signUpUser(server, 'Zone');
    const result = await call(user, UPDATE, { input: { user: { timezone: 'Mars/Olympus' }, org: { goalTokenBudget: 5 } } });
    expect(result.__typename).toBe('ValidationError');
    expect((result.issues as Array<{ field: string }>).map((i) => i.field).sort()).toEqual(['org.goalTokenBudget', 'user.timezone']);
  });

  it('only owners and admins change org settings, and a refused change changes nothing', async () => {
    const { owner, orgId, members } = await teamWith(['MEMBER']);
    const [member] = members as [TestUser];
    const refused = await call(member, UPDATE, { input: { user: { theme: 'DARK' }, org: { name: 'Hijacked' } } }, orgId);
    expect(refused.__typename).toBe('ForbiddenError');
    const settings = await server.gql<{ viewer: { settings: { theme: string } } }>('{ viewer { settings { theme } } }', {}, { token: member.token });
    expect(settings.data?.viewer.settings.theme).toBe('SYSTEM');

    const ok = await call(owner, UPDATE, { input: { org: { name: 'Acme Renamed', timezone: 'Asia/Tokyo', goalTokenBudget: 50000 } } }, orgId);
    expect(ok).toMatchObject({ org: { name: 'Acme Renamed', settings: { timezone: 'Asia/Tokyo', goalTokenBudget: 50000 } } });
  });

  it('updates the profile', async () => {
    const user = await signUpUser(server, 'Profile');
    const query = `mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { __typename ... on User { displayName avatarUrl } ... on Error { message } } }`;
    expect(await call(user, query, { input: { displayName: 'New Name', avatarUrl: 'https://example.com/a.png' } })).toEqual({
      __typename: 'User',
      displayName: 'New Name',
      avatarUrl: 'https://example.com/a.png',
    });
    expect((await call(user, query, { input: { avatarUrl: 'javascript:alert(1)' } })).__typename).toBe('ValidationError');
  });
});
