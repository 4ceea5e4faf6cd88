import { builder } from '../schema/builder.ts';
import { defined } from './defined.ts';
import { OrgRef } from '../schema/orgs.ts';
import { ThemeEnum, UserRef, UserSettingsRef } from '../schema/users.ts';
import { ViewerRef } from '../schema/viewer.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../services/errors.ts';
import { updateProfile, updateSettings, type UserSettings } from '../services/settings.ts';
import type { Org } from '../repositories/orgs.ts';

builder.queryField('viewer', (t) =>
  t.field({
    type: ViewerRef,
    nullable: true,
    description: 'The signed-in caller and their current organisation; null when not signed in.',
    resolve: (_root, _args, ctx) => ctx.viewer,
  }),
);

const NotificationSettingsInput = builder.inputType('NotificationSettingsInput', {
  description: 'Notification toggles to change; omitted ones stay. Turning `enabled` off turns the others off.',
  fields: (t) => ({
    enabled: t.boolean({ description: 'Master switch.' }),
    mentions: t.boolean({ description: 'When someone @mentions them.' }),
    directMessages: t.boolean({ description: 'New messages in direct threads.' }),
    teamMessages: t.boolean({ description: 'New messages in team threads.' }),
  }),
});

const UserSettingsInput = builder.inputType('UserSettingsInput', {
  description: "Changes to the caller's preferences; omitted fields stay as they are.",
  fields: (t) => ({
    notifications: t.field({ type: NotificationSettingsInput, description: 'Notification toggles.' }),
    theme: t.field({ type: ThemeEnum, description: 'Colour scheme.' }),
    timezone: t.string({ description: 'IANA time zone, e.g. Europe/Paris.' }),
    usageAnalytics: t.boolean({ description: 'Share anonymous usage analytics.' }),
    crashReports: t.boolean({ description: 'Send crash reports.' }),
  }),
});

const OrgSettingsInput = builder.inputType('OrgSettingsInput', {
  description: 'Changes to the current organisation (owners and admins only); omitted fields stay.',
  fields: (t) => ({
    name: t.string({ description: 'Display name.' }),
    timezone: t.string({ description: 'IANA time zone.' }),
    defaultModel: t.string({ description: 'Model for teammates that name none (null to clear).' }),
    goalTokenBudget: t.int({ description: 'Default token budget of a goal.' }),
    maxActiveGoalsPerPerson: t.int({ description: 'Goals one person may have in progress at once (1–100).' }),
    expectedRevision: t.int({ description: 'The organisation’s `revision` this edit was made from; a ConflictError (with the current revision) when it has changed since. Omit to overwrite.' }),
  }),
});

const UpdateSettingsInput = builder.inputType('UpdateSettingsInput', {
  description: 'Personal and/or organisation settings to change, applied together.',
  fields: (t) => ({
    user: t.field({ type: UserSettingsInput, description: "The caller's preferences." }),
    org: t.field({ type: OrgSettingsInput, description: "The current organisation's settings." }),
  }),
});

const UpdateSettingsPayload = builder.objectRef<{ settings: UserSettings; org: Org }>('UpdateSettingsPayload').implement({
  description: 'Settings after the change.',
  fields: (t) => ({
    settings: t.field({ type: UserSettingsRef, description: "The caller's preferences.", resolve: (p) => p.settings }),
    org: t.field({ type: OrgRef, description: 'The current organisation.', resolve: (p) => p.org }),
  }),
});

const UpdateProfileInput = builder.inputType('UpdateProfileInput', {
  description: "Changes to the caller's profile; omitted fields stay.",
  fields: (t) => ({
    displayName: t.string({ description: 'Name shown to others.' }),
    avatarUrl: t.string({ description: 'Picture URL (http or https; null to clear).' }),
  }),
});

builder.mutationFields((t) => ({
  updateSettings: t.field({
    type: UpdateSettingsPayload,
    description: "Changes the caller's preferences and/or the current organisation's settings.",
    errors: { types: [ValidationError, ForbiddenError, NotFoundError, ConflictError] },
    args: { input: t.arg({ type: UpdateSettingsInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      updateSettings(ctx.services, requireViewer(ctx), {
        user: input.user
          ? { ...defined(input.user), notifications: defined(input.user.notifications) }
          : undefined,
        org: defined(input.org),
      }),
  }),
  updateProfile: t.field({
    type: UserRef,
    description: "Changes the caller's display name or avatar.",
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: UpdateProfileInput, required: true }) },
    resolve: (_root, { input }, ctx) => updateProfile(ctx.services, requireViewer(ctx), defined(input)),
  }),
}));
