import { readTeammateSettings, type TeammateSettings } from '../services/teammate-settings.ts';
import { builder } from './builder.ts';
import { TeammateRef } from './teammates.ts';

export const FormalityEnum = builder.enumType('Formality', {
  description: 'How formally a teammate writes.',
  values: {
    CASUAL: { value: 'casual', description: 'First names, short sentences, contractions.' },
    NEUTRAL: { value: 'neutral', description: 'Plain professional tone (the default).' },
    FORMAL: { value: 'formal', description: 'Full sentences, no slang, no emoji.' },
  } as const,
});

export const PinSummaryCadenceEnum = builder.enumType('PinSummaryCadence', {
  description: 'How often a teammate pins a summary of its work to the pinboard.',
  values: {
    NEVER: { value: 'never', description: 'Never on its own (the default).' },
    DAILY: { value: 'daily', description: 'Once a day.' },
    WEEKLY: { value: 'weekly', description: 'Once a week.' },
    PER_GOAL: { value: 'per_goal', description: 'Whenever it finishes a piece of work.' },
  } as const,
});

export const TeammateSettingsRef = builder.objectRef<TeammateSettings>('TeammateSettings').implement({
  description: 'Per-teammate settings, used in its prompt; defaults for anything never set.',
  fields: (t) => ({
    replyLanguage: t.exposeString('replyLanguage', {
      nullable: true,
      description: 'BCP 47 language tag it always replies in (e.g. `fr`); null: the language it is written to in.',
    }),
    formality: t.field({ type: FormalityEnum, description: 'How formally it writes.', resolve: (s) => s.formality }),
    pinSummaries: t.field({ type: PinSummaryCadenceEnum, description: 'How often it pins a summary (needs the pinboard_post tool).', resolve: (s) => s.pinSummaries }),
  }),
});

builder.objectField(TeammateRef, 'settings', (t) =>
  t.field({ type: TeammateSettingsRef, description: 'Its settings (reply language, formality, summary cadence).', resolve: (tm) => readTeammateSettings(tm) }),
);
