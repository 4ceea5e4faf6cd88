import { requireViewer } from '../core/context.ts';
import { builder } from '../schema/builder.ts';
import { FormalityEnum, PinSummaryCadenceEnum } from '../schema/teammate-settings.ts';
import { TeammateRef } from '../schema/teammates.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../services/errors.ts';
import { updateTeammateSettings } from '../services/teammate-settings.ts';

const TeammateSettingsPatch = builder.inputType('TeammateSettingsPatch', {
  description: 'The settings to change; absent fields keep their value, null resets `replyLanguage`.',
  fields: (t) => ({
    replyLanguage: t.string({ description: 'BCP 47 language tag (2–35 characters), or null to follow the conversation.' }),
    formality: t.field({ type: FormalityEnum, description: 'How formally it writes.' }),
    pinSummaries: t.field({ type: PinSummaryCadenceEnum, description: 'How often it pins a summary; not NEVER needs the pinboard_post tool.' }),
  }),
});

const UpdateTeammateSettingsInput = builder.inputType('UpdateTeammateSettingsInput', {
  description: 'A change to one teammate’s settings.',
  fields: (t) => ({
    teammateId: t.globalID({ required: true, for: TeammateRef, description: 'The teammate.' }),
    settings: t.field({ type: TeammateSettingsPatch, required: true, description: 'The settings to change.' }),
  }),
});

builder.mutationFields((t) => ({
  updateTeammateSettings: t.field({
    type: TeammateRef,
    description: 'Changes a teammate’s settings (catalog and self-made teammates alike). Owners and admins.',
    errors: { types: [ValidationError, NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: UpdateTeammateSettingsInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const settings = Object.fromEntries(Object.entries(input.settings).filter(([k, v]) => v !== undefined && (v !== null || k === 'replyLanguage')));
      return updateTeammateSettings(ctx.services, requireViewer(ctx), input.teammateId.id, { settings });
    },
  }),
}));
