import { findVisibleUsers, type User } from '../repositories/users.ts';
import type { UserSettings } from '../services/settings.ts';
import { builder } from './builder.ts';

/** A person. Visible to people who share an organisation with them (and to themselves). */
export const UserRef = builder.loadableNode('User', {
  description: 'A person with an account. Visible to the people who share an organisation with them.',
  id: { resolve: (user: User) => user.id },
  sort: (user) => user.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findVisibleUsers(ctx.db, ctx.viewer.user.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    email: t.exposeString('email', { description: 'Sign-in email address (lower case).' }),
    displayName: t.exposeString('displayName', { description: 'Name shown to teammates and people.' }),
    avatarUrl: t.exposeString('avatarUrl', { nullable: true, description: 'Picture URL, if any.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the account was created.' }),
  }),
});

export const ThemeEnum = builder.enumType('Theme', {
  description: 'Colour scheme of the apps.',
  values: {
    SYSTEM: { value: 'system', description: 'Follow the device.' },
    LIGHT: { value: 'light', description: 'Always light.' },
    DARK: { value: 'dark', description: 'Always dark.' },
  } as const,
});

const NotificationSettingsRef = builder.objectRef<UserSettings['notifications']>('NotificationSettings').implement({
  description: 'Which push notifications a person wants. With `enabled` off, the others are off too.',
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled', { description: 'Master switch for notifications.' }),
    mentions: t.exposeBoolean('mentions', { description: 'When someone @mentions them.' }),
    directMessages: t.exposeBoolean('directMessages', { description: 'New messages in direct threads.' }),
    teamMessages: t.exposeBoolean('teamMessages', { description: 'New messages in team threads.' }),
  }),
});

export const UserSettingsRef = builder.objectRef<UserSettings>('UserSettings').implement({
  description: "A person's preferences across web and mobile apps.",
  fields: (t) => ({
    notifications: t.field({ type: NotificationSettingsRef, description: 'Notification toggles.', resolve: (s) => s.notifications }),
    theme: t.field({ type: ThemeEnum, description: 'Colour scheme.', resolve: (s) => s.theme }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone, e.g. Europe/Paris.' }),
    usageAnalytics: t.exposeBoolean('usageAnalytics', { description: 'Share anonymous usage analytics.' }),
    crashReports: t.exposeBoolean('crashReports', { description: 'Send crash reports.' }),
  }),
});
