import { z } from 'zod';
import { generateInvitationToken, sha256 } from '../auth/tokens.ts';
import {
  countOwners,
  deleteMember,
  findInvitationByTokenHash,
  findInvitationsAdministeredBy,
  findMember,
  insertInvitation,
  insertMember,
  insertOrg,
  listMembersOfOrgs,
  lockOrg,
  markInvitation,
  membershipsOfUser,
  updateMemberRole,
  type Invitation,
  type Org,
  type OrgMember,
  type OrgRole,
} from '../repositories/orgs.ts';
import { findUserByEmail } from '../repositories/users.ts';
import type { AppServices } from '../core/context.ts';
import { emailSchema } from './accounts.ts';
import { planOf } from './plan-in-force.ts';
import { ConflictError, ForbiddenError, NotFoundError, PlanLimitError } from './errors.ts';
import { parseInput } from './validation.ts';
import { canMail, sendMail } from './mailer.ts';
import { textSchema } from './text.ts';
import { ensureDefaultThread, onOrgMemberJoined, onOrgMemberRemoved } from './threads.ts';
import { transactionWithEvents } from '../realtime/transactional.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
const orgNameSchema = textSchema({ max: 100 });
const roleSchema = z.enum(['owner', 'admin', 'member']);

function requireManager(viewer: Viewer): void {
  if (!canManageOrg(viewer.role)) throw new ForbiddenError('Only owners and admins can do this');
}

function requireTeamOrg(org: Org): void {
  if (org.kind === 'personal') {
    throw new ForbiddenError('A personal organisation has one member; create a team organisation to work with others');
  }
}

/** Whether `actor` may give `target` the role `next` (or remove them, when `next` is undefined). */
export function canChangeRole(actor: OrgRole, target: OrgRole, next?: OrgRole): boolean {
  if (actor === 'owner') return true;
  if (actor === 'admin') return target !== 'owner' && next !== 'owner';
  return false;
}

export async function createOrg(services: Pick<AppServices, 'db'>, viewer: Viewer, input: unknown): Promise<Org> {
  const { name } = parseInput(z.object({ name: orgNameSchema }), input);
  return services.db.transaction().execute(async (trx) => {
    const org = await insertOrg(trx, { name, kind: 'team' });
    await insertMember(trx, org.id, viewer.user.id, 'owner');
    await ensureDefaultThread(trx, org.id, viewer.user.id);
    return org;
  });
}

/**
 * Invites an email address into the current organisation (owners and admins of team
 * organisations). The token goes back to the inviter; with SMTP_URL set it is also mailed to the
 * invitee, as a link `${PUBLIC_URL}/invitations/<token>` that the web app accepts. A mail that cannot
 * be sent is logged and reported as `emailed: false`: the invitation stands.
 * Errors: ValidationError, ForbiddenError, ConflictError (already a member).
 */
export async function inviteMember(
  services: Pick<AppServices, 'db' | 'config' | 'logger'>,
  viewer: Viewer,
  input: unknown,
): Promise<{ invitation: Invitation; token: string; emailed: boolean }> {
  const { email, role } = parseInput(
    z.object({ email: emailSchema, role: z.enum(['admin', 'member']).default('member') }),
    input,
  );
  requireManager(viewer);
  requireTeamOrg(viewer.org);
  const existing = await findUserByEmail(services.db, email);
  if (existing && (await findMember(services.db, viewer.org.id, existing.id))) {
    throw new ConflictError(`${email} is already a member`);
  }
  const { token, hash } = generateInvitationToken();
  const invitation = await insertInvitation(services.db, {
    orgId: viewer.org.id,
    email,
    role,
    tokenHash: hash,
    invitedBy: viewer.user.id,
    expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
  });
  const emailed = await mailInvitation(services, viewer, invitation, token);
  return { invitation, token, emailed };
}

/** The web app path that accepts an invitation. */
export const invitationPath = (token: string) => `/invitations/${encodeURIComponent(token)}`;

async function mailInvitation(services: Pick<AppServices, 'config' | 'logger'>, viewer: Viewer, invitation: Invitation, token: string): Promise<boolean> {
  const { notifications, publicUrl } = services.config;
  if (!canMail(notifications)) return false;
  const link = publicUrl ? `${publicUrl.replace(/\/$/, '')}${invitationPath(token)}` : undefined;
  const text = [
    `${viewer.user.displayName} invited you to join ${viewer.org.name} on Tmates as ${invitation.role === 'admin' ? 'an admin' : 'a member'}.`,
    '',
    link ? `Accept the invitation: ${link}` : `Sign in to Tmates with this address and accept the invitation with this code: ${token}`,
    '',
    `The invitation is for ${invitation.email} and expires on ${invitation.expiresAt.toUTCString()}.`,
  ].join('\n');
  try {
    await sendMail(notifications, { to: invitation.email, subject: `${viewer.user.displayName} invited you to ${viewer.org.name} on Tmates`, text });
    return true;
  } catch (error) {
    services.logger.warn({ err: error, invitationId: invitation.id }, 'mailing an invitation failed; the inviter has the token');
    return false;
  }
}

/** Joins the invitation's organisation; the signed-in user's email must be the invited one. */
export async function acceptInvitation(services: AppServices, viewer: Viewer, input: unknown): Promise<Org> {
  const { token } = parseInput(z.object({ token: z.string().trim().min(1, 'is required').max(200) }), input);
  return services.db.transaction().execute(async (trx) => {
    const invitation = await findInvitationByTokenHash(trx, sha256(token));
    const usable = invitation && !invitation.acceptedAt && !invitation.revokedAt && invitation.expiresAt > new Date();
    if (!invitation || !usable) throw new NotFoundError('Invitation');
    if (invitation.email !== viewer.user.email) {
      throw new ForbiddenError(`This invitation was sent to another email address; sign in as its recipient`);
    }
    const org = await lockOrg(trx, invitation.orgId);
    if (!org) throw new NotFoundError('Invitation');
    // The members cap is checked under the org lock, so concurrent acceptances cannot pass it.
    const max = (await planOf(services, trx, org.id)).limits.members;
    if (max !== null && (await listMembersOfOrgs(trx, [org.id])).get(org.id)!.length >= max) {
      throw new PlanLimitError('members', max, `This organisation's plan allows ${max} members`);
    }
    await insertMember(trx, org.id, viewer.user.id, invitation.role);
    await markInvitation(trx, invitation.id, { acceptedBy: viewer.user.id });
    await onOrgMemberJoined(trx, org.id, viewer.user.id);
    return org;
  });
}

export async function revokeInvitation(services: Pick<AppServices, 'db'>, viewer: Viewer, invitationId: string): Promise<Invitation> {
  const [invitation] = await findInvitationsAdministeredBy(services.db, viewer.user.id, [invitationId]);
  if (!invitation || invitation.orgId !== viewer.org.id) throw new NotFoundError('Invitation');
  await markInvitation(services.db, invitation.id, { revoked: true });
  return { ...invitation, revokedAt: invitation.revokedAt ?? new Date() };
}

export async function changeMemberRole(
  services: Pick<AppServices, 'db'>,
  viewer: Viewer,
  input: { userId: string; role: unknown },
): Promise<{ org: Org; member: OrgMember }> {
  const role = parseInput(z.object({ role: roleSchema }), { role: input.role }).role;
  return services.db.transaction().execute(async (trx) => {
    const org = await lockOrg(trx, viewer.org.id);
    const actor = await findMember(trx, viewer.org.id, viewer.user.id);
    if (!org || !actor) throw new NotFoundError('Organisation');
    const target = await findMember(trx, org.id, input.userId, true);
    if (!target) throw new NotFoundError('Member');
    if (!canChangeRole(actor.role, target.role, role)) {
      throw new ForbiddenError(actor.role === 'member' ? 'Members cannot change roles' : 'Only owners can change owners');
    }
    if (target.role === 'owner' && role !== 'owner' && (await countOwners(trx, org.id)) <= 1) {
      throw new ConflictError('An organisation needs at least one owner; make someone else owner first');
    }
    await updateMemberRole(trx, org.id, target.userId, role);
    return { org, member: { ...target, role } };
  });
}

async function removeMembership(services: AppServices, orgId: string, userId: string, actor?: Viewer): Promise<Org> {
  return transactionWithEvents(services, async (trx, emit) => {
    const org = await lockOrg(trx, orgId);
    const target = org ? await findMember(trx, orgId, userId) : undefined;
    if (!org || !target) throw new NotFoundError(actor ? 'Member' : 'Organisation');
    requireTeamOrg(org);
    if (actor) {
      const me = await findMember(trx, orgId, actor.user.id);
      if (!me || !canChangeRole(me.role, target.role)) throw new ForbiddenError('Only owners and admins can remove members');
    }
    if (target.role === 'owner' && (await countOwners(trx, orgId)) <= 1) {
      throw new ConflictError('An organisation needs at least one owner; make someone else owner first');
    }
    await deleteMember(trx, orgId, userId);
    await onOrgMemberRemoved(trx, emit, orgId, userId);
    return org;
  });
}

export function removeMember(services: AppServices, viewer: Viewer, userId: string): Promise<Org> {
  if (userId === viewer.user.id) return removeMembership(services, viewer.org.id, userId);
  return removeMembership(services, viewer.org.id, userId, viewer);
}

/** Leaves an organisation the viewer belongs to (any of theirs, not only the current one). */
export async function leaveOrg(services: AppServices, viewer: Viewer, orgId: string): Promise<Org> {
  const memberships = await membershipsOfUser(services.db, viewer.user.id);
  if (!memberships.some((m) => m.org.id === orgId)) throw new NotFoundError('Organisation');
  return removeMembership(services, orgId, viewer.user.id);
}
