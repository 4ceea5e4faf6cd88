import { resolveArrayConnection } from '@pothos/plugin-relay';
import {
  findInvitationsAdministeredBy,
  findOrgsOfMember,
  listMembersOfOrgs,
  listPendingInvitations,
  type Invitation,
  type Org,
  type OrgMember,
} from '../repositories/orgs.ts';
import { readOrgSettings, type OrgSettings } from '../services/settings.ts';
import { canManageOrg } from '../core/viewer.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { UserRef } from './users.ts';

/** Members per organisation, batched across every Org in one operation. */
const membersOf = batched<OrgMember[]>((ctx, ids) => listMembersOfOrgs(ctx.db, ids), []);

export const OrgRoleEnum = builder.enumType('OrgRole', {
  description: "A member's role in an organisation.",
  values: {
    OWNER: { value: 'owner', description: 'Everything, including changing owners and billing.' },
    ADMIN: { value: 'admin', description: 'Manages members (not owners), settings and keys.' },
    MEMBER: { value: 'member', description: 'Works with the team; cannot manage members.' },
  } as const,
});

export const OrgKindEnum = builder.enumType('OrgKind', {
  description: 'Personal organisations belong to one person; team organisations have members.',
  values: {
    PERSONAL: { value: 'personal', description: 'Created for every person on first sign-in; one member.' },
    TEAM: { value: 'team', description: 'Created by a person; members join by invitation.' },
  } as const,
});

export const OrgMemberRef = builder.objectRef<OrgMember>('OrgMember').implement({
  description: 'A person in an organisation, with their role.',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The person.', resolve: (m) => m.userId }),
    role: t.field({ type: OrgRoleEnum, description: 'Their role.', resolve: (m) => m.role }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime', description: 'When they joined.' }),
  }),
});

const OrgSettingsRef = builder.objectRef<OrgSettings>('OrgSettings').implement({
  description: 'Organisation-wide settings (changed by owners and admins).',
  fields: (t) => ({
    timezone: t.exposeString('timezone', { description: 'IANA time zone for schedules and reports.' }),
    defaultModel: t.exposeString('defaultModel', { nullable: true, description: 'Model for teammates that name none.' }),
    goalTokenBudget: t.exposeInt('goalTokenBudget', { description: 'Token budget of a goal that names none.' }),
    maxActiveGoalsPerPerson: t.exposeInt('maxActiveGoalsPerPerson', { description: 'Goals one person may have in progress at once; more are refused until one ends.' }),
  }),
});

export const InvitationStatusEnum = builder.enumType('InvitationStatus', {
  description: 'Where an invitation stands.',
  values: {
    PENDING: { value: 'pending', description: 'Waiting to be accepted.' },
    ACCEPTED: { value: 'accepted', description: 'The invited person joined.' },
    REVOKED: { value: 'revoked', description: 'Withdrawn by an owner or admin.' },
    EXPIRED: { value: 'expired', description: 'Not accepted in time.' },
  } as const,
});

export const InvitationRef = builder.loadableNode('Invitation', {
  description: 'An invitation for an email address to join an organisation. Visible to its owners and admins.',
  id: { resolve: (i: Invitation) => i.id },
  sort: (i) => i.id,
  load: (ids: string[], ctx) =>
    ctx.viewer ? findInvitationsAdministeredBy(ctx.db, ctx.viewer.user.id, ids) : Promise.resolve([]),
  fields: (t) => ({
    email: t.exposeString('email', { description: 'Who was invited.' }),
    role: t.field({ type: OrgRoleEnum, description: 'Role they get on joining.', resolve: (i) => i.role }),
    invitedBy: t.field({ type: UserRef, nullable: true, description: 'Who sent it.', resolve: (i) => i.invitedBy }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'Last moment it can be accepted.' }),
    status: t.field({
      type: InvitationStatusEnum,
      description: 'Where it stands.',
      resolve: (i) =>
        i.acceptedAt ? 'accepted' : i.revokedAt ? 'revoked' : i.expiresAt <= new Date() ? 'expired' : 'pending',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was sent.' }),
  }),
});

export const OrgRef = builder.loadableNode('Org', {
  description: 'An organisation: the unit of tenancy. Everything a team has belongs to one.',
  id: { resolve: (org: Org) => org.id },
  sort: (org) => org.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findOrgsOfMember(ctx.db, ctx.viewer.user.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Display name.' }),
    kind: t.field({ type: OrgKindEnum, description: 'Personal or team.', resolve: (org) => org.kind }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    settings: t.field({
      type: OrgSettingsRef,
      description: 'Organisation-wide settings.',
      resolve: (org) => readOrgSettings(org.settings),
    }),
    viewerRole: t.field({
      type: OrgRoleEnum,
      nullable: true,
      description: "The signed-in person's role here.",
      resolve: async (org, _args, ctx) => {
        if (!ctx.viewer) return null;
        if (ctx.viewer.org.id === org.id) return ctx.viewer.role;
        const members = await membersOf(ctx, org.id);
        return members.find((m) => m.userId === ctx.viewer!.user.id)?.role ?? null;
      },
    }),
    members: t.connection({
      type: OrgMemberRef,
      description: 'People in the organisation, in the order they joined.',
      resolve: async (org, args, ctx) => resolveArrayConnection({ args, maxSize: 200 }, await membersOf(ctx, org.id)),
    }),
    invitations: t.field({
      type: [InvitationRef],
      description: 'Pending invitations (owners and admins only; empty for others).',
      resolve: async (org, _args, ctx) => {
        const viewer = ctx.viewer;
        if (!viewer) return [];
        const me = (await membersOf(ctx, org.id)).find((m) => m.userId === viewer.user.id);
        return me && canManageOrg(me.role) ? listPendingInvitations(ctx.db, org.id) : [];
      },
    }),
  }),
});
