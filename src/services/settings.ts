import { z } from 'zod';
import { findMember, lockOrg, updateOrg, type Org } from '../repositories/orgs.ts';
import { getUserSettings, saveUserSettings, updateUserProfile, type User } from '../repositories/users.ts';
import type { AppServices } from '../core/context.ts';
import { ForbiddenError, NotFoundError } from './errors.ts';
import { parseInput } from './validation.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { textSchema } from './text.ts';
import { expectedRevisionOf, expectRevision } from './revisions.ts';

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().trim().max(64).refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Europe/Paris' });

/** A person's preferences (the seed's mobile settings), with defaults for anything never set. */
export const userSettingsSchema = z.object({
  notifications: z
    .object({
      enabled: z.boolean().default(true),
      mentions: z.boolean().default(true),
      directMessages: z.boolean().default(true),
      teamMessages: z.boolean().default(true),
    })
    .default({ enabled: true, mentions: true, directMessages: true, teamMessages: true }),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  timezone: timeZone.default('UTC'),
  usageAnalytics: z.boolean().default(true),
  crashReports: z.boolean().default(true),
});
export type UserSettings = z.output<typeof userSettingsSchema>;

/** Organisation-wide settings, changed by owners and admins. */
export const orgSettingsSchema = z.object({
  timezone: timeZone.default('UTC'),
  defaultModel: z.string().trim().min(1).max(100).nullable().default(null),
  /** Token budget a goal gets when it names none. */
  goalTokenBudget: z.number().int().min(1_000).max(100_000_000).default(200_000),
  /** Goals one person may have in progress at once (planning, running or reporting). */
  maxActiveGoalsPerPerson: z.number().int().min(1).max(100).default(3),
});
export type OrgSettings = z.output<typeof orgSettingsSchema>;

const userSettingsPatch = z
  .object({
    notifications: z
      .object({
        enabled: z.boolean(),
        mentions: z.boolean(),
        directMessages: z.boolean(),
        teamMessages: z.boolean(),
      })
      .partial(),
    theme: z.enum(['system', 'light', 'dark']),
    timezone: timeZone,
    usageAnalytics: z.boolean(),
    crashReports: z.boolean(),
  })
  .partial();

const orgSettingsPatch = z
  .object({
    name: textSchema({ max: 100 }),
    timezone: timeZone,
    defaultModel: z.string().trim().min(1).max(100).nullable(),
    goalTokenBudget: z.number().int().min(1_000).max(100_000_000),
    maxActiveGoalsPerPerson: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'),
  })
  .partial();

/** Stored settings read leniently: a value that no longer validates falls back to its default. */
export function readUserSettings(stored: Record<string, unknown>): UserSettings {
  const parsed = userSettingsSchema.safeParse(stored);
  return parsed.success ? parsed.data : userSettingsSchema.parse({});
}

export function readOrgSettings(stored: Record<string, unknown>): OrgSettings {
  const parsed = orgSettingsSchema.safeParse(stored);
  return parsed.success ? parsed.data : orgSettingsSchema.parse({});
}

export async function loadUserSettings(services: Pick<AppServices, 'db'>, userId: string): Promise<UserSettings> {
  return readUserSettings(await getUserSettings(services.db, userId));
}

/**
 * Applies a partial change to the viewer's settings and/or the current organisation's settings in
 * one transaction. Turning notifications off turns mentions, direct and team messages off as well.
 */
export async function updateSettings(
  services: Pick<AppServices, 'db'>,
  viewer: Viewer,
  input: unknown,
): Promise<{ settings: UserSettings; org: Org }> {
  const patch = parseInput(z.object({ user: userSettingsPatch.optional(), org: orgSettingsPatch.optional() }), input);
  return services.db.transaction().execute(async (trx) => {
    let settings = readUserSettings(await getUserSettings(trx, viewer.user.id));
    if (patch.user) {
      const notifications = { ...settings.notifications, ...patch.user.notifications };
      if (!notifications.enabled) Object.assign(notifications, { mentions: false, directMessages: false, teamMessages: false });
      settings = { ...settings, ...patch.user, notifications };
      await saveUserSettings(trx, viewer.user.id, settings);
    }
    let org = viewer.org;
    if (patch.org && Object.keys(patch.org).length > 0) {
      const locked = await lockOrg(trx, viewer.org.id);
      const member = await findMember(trx, viewer.org.id, viewer.user.id);
      if (!locked || !member) throw new NotFoundError('Organisation');
      if (!canManageOrg(member.role)) throw new ForbiddenError('Only owners and admins can change organisation settings');
      await expectRevision(trx, 'orgs', locked.id, expectedRevisionOf((input as { org?: unknown } | null)?.org), 'org.expectedRevision');
      const { name, ...rest } = patch.org;
      const next = { ...readOrgSettings(locked.settings), ...rest };
      org = await updateOrg(trx, locked.id, { name, settings: next });
    }
    return { settings, org };
  });
}

export async function updateProfile(services: Pick<AppServices, 'db'>, viewer: Viewer, input: unknown): Promise<User> {
  const values = parseInput(
    z
      .object({
        displayName: textSchema({ max: 100 }),
        avatarUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048).nullable(),
      })
      .partial(),
    input,
  );
  return updateUserProfile(services.db, viewer.user.id, values);
}
