import { encodeGlobalID } from '@pothos/plugin-relay';
import type { Invitation, Org, OrgMember } from '../repositories/orgs.ts';
import { builder } from '../schema/builder.ts';
import { InvitationRef, OrgMemberRef, OrgRef, OrgRoleEnum } from '../schema/orgs.ts';
import { UserRef } from '../schema/users.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, PlanLimitError, ValidationError } from '../services/errors.ts';
import {
  acceptInvitation,
  changeMemberRole,
  createOrg,
  inviteMember,
  leaveOrg,
  removeMember,
  revokeInvitation,
} from '../services/orgs.ts';

const OrgPayload = builder.objectRef<{ org: Org }>('OrgPayload').implement({
  description: 'The organisation after the change.',
  fields: (t) => ({ org: t.field({ type: OrgRef, description: 'The organisation.', resolve: (p) => p.org }) }),
});

const InviteMemberPayload = builder.objectRef<{ invitation: Invitation; token: string; emailed: boolean }>('InviteMemberPayload').implement({
  description: 'The invitation and its secret token. The token is mailed to the invitee when the server can send mail (`emailed`); else send it yourself. It is not shown again.',
  fields: (t) => ({
    invitation: t.field({ type: InvitationRef, description: 'The invitation.', resolve: (p) => p.invitation }),
    token: t.exposeString('token', { description: 'Secret for acceptInvitation (valid 7 days).' }),
    emailed: t.exposeBoolean('emailed', { description: 'The invitee was mailed a link that accepts it (SMTP is configured and the mail went out).' }),
  }),
});

const ChangeMemberRolePayload = builder.objectRef<{ org: Org; member: OrgMember }>('ChangeMemberRolePayload').implement({
  description: 'The member with their new role.',
  fields: (t) => ({
    org: t.field({ type: OrgRef, description: 'The organisation.', resolve: (p) => p.org }),
    member: t.field({ type: OrgMemberRef, description: 'The member.', resolve: (p) => p.member }),
  }),
});

const LeaveOrgPayload = builder.objectRef<{ orgId: string }>('LeaveOrgPayload').implement({
  description: 'The organisation that was left (no longer readable by the caller).',
  fields: (t) => ({
    orgId: t.exposeID('orgId', { description: 'Global id of the organisation that was left.' }),
  }),
});

const CreateOrgInput = builder.inputType('CreateOrgInput', {
  description: 'A new team organisation; the caller becomes its owner.',
  fields: (t) => ({ name: t.string({ required: true, description: 'Display name (1–100 characters).' }) }),
});

const InviteMemberInput = builder.inputType('InviteMemberInput', {
  description: 'Someone to invite into the current organisation.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'Their email; only that account can accept.' }),
    role: t.field({ type: OrgRoleEnum, description: 'ADMIN or MEMBER (default MEMBER).' }),
  }),
});

const AcceptInvitationInput = builder.inputType('AcceptInvitationInput', {
  description: 'An invitation token received from an owner or admin.',
  fields: (t) => ({ token: t.string({ required: true, description: 'The token from inviteMember.' }) }),
});

const RevokeInvitationInput = builder.inputType('RevokeInvitationInput', {
  description: 'A pending invitation of the current organisation to withdraw.',
  fields: (t) => ({ invitationId: t.globalID({ required: true, for: InvitationRef, description: 'The invitation.' }) }),
});

const ChangeMemberRoleInput = builder.inputType('ChangeMemberRoleInput', {
  description: 'A new role for a member of the current organisation.',
  fields: (t) => ({
    userId: t.globalID({ required: true, for: UserRef, description: 'The member.' }),
    role: t.field({ type: OrgRoleEnum, required: true, description: 'Their new role.' }),
  }),
});

const RemoveMemberInput = builder.inputType('RemoveMemberInput', {
  description: 'A member to remove from the current organisation.',
  fields: (t) => ({ userId: t.globalID({ required: true, for: UserRef, description: 'The member.' }) }),
});

const LeaveOrgInput = builder.inputType('LeaveOrgInput', {
  description: 'A team organisation the caller wants to leave.',
  fields: (t) => ({ orgId: t.globalID({ required: true, for: OrgRef, description: 'The organisation.' }) }),
});

builder.mutationFields((t) => ({
  createOrg: t.field({
    type: OrgPayload,
    description: 'Creates a team organisation owned by the caller.',
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: CreateOrgInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ org: await createOrg(ctx.services, requireViewer(ctx), input) }),
  }),
  inviteMember: t.field({
    type: InviteMemberPayload,
    description: 'Invites an email address into the current organisation (owners and admins).',
    errors: { types: [ValidationError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: InviteMemberInput, required: true }) },
    resolve: (_root, { input }, ctx) => inviteMember(ctx.services, requireViewer(ctx), input),
  }),
  acceptInvitation: t.field({
    type: OrgPayload,
    description: 'Joins the organisation an invitation is for.',
    errors: { types: [ValidationError, NotFoundError, ForbiddenError, PlanLimitError] },
    args: { input: t.arg({ type: AcceptInvitationInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ org: await acceptInvitation(ctx.services, requireViewer(ctx), input) }),
  }),
  revokeInvitation: t.field({
    type: InvitationRef,
    description: 'Withdraws a pending invitation (owners and admins).',
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: RevokeInvitationInput, required: true }) },
    resolve: (_root, { input }, ctx) => revokeInvitation(ctx.services, requireViewer(ctx), input.invitationId.id),
  }),
  changeMemberRole: t.field({
    type: ChangeMemberRolePayload,
    description: 'Changes a member\'s role. Admins manage members and admins; only owners manage owners; the last owner stays.',
    errors: { types: [ValidationError, NotFoundError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: ChangeMemberRoleInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      changeMemberRole(ctx.services, requireViewer(ctx), { userId: input.userId.id, role: input.role }),
  }),
  removeMember: t.field({
    type: OrgPayload,
    description: 'Removes a member from the current organisation (owners and admins; admins cannot remove owners).',
    errors: { types: [NotFoundError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: RemoveMemberInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ org: await removeMember(ctx.services, requireViewer(ctx), input.userId.id) }),
  }),
  leaveOrg: t.field({
    type: LeaveOrgPayload,
    description: 'Leaves a team organisation. The last owner cannot leave; personal organisations cannot be left.',
    errors: { types: [NotFoundError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: LeaveOrgInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await leaveOrg(ctx.services, requireViewer(ctx), input.orgId.id);
      return { orgId: encodeGlobalID('Org', input.orgId.id) };
    },
  }),
}));
