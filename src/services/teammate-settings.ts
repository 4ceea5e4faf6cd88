import { z } from 'zod';
import type { AppServices } from '../core/context.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { findTeammate, saveTeammateSettings, type Teammate } from '../repositories/teammates.ts';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { parseInput } from './validation.ts';

/** How formally a teammate writes. */
export const FORMALITIES = ['casual', 'neutral', 'formal'] as const;
/** How often a teammate pins a summary of its work to the pinboard. */
export const PIN_SUMMARY_CADENCES = ['never', 'daily', 'weekly', 'per_goal'] as const;

/**
 * Settings every teammate has. `replyLanguage` is a BCP 47 tag (`fr`, `pt-BR`) or null (answer in
 * the language it is spoken to); `pinSummaries` needs the `pinboard_post` tool (see settingsSchemaFor).
 */
const languageTag = z
    .string()
    .trim()
    .min(2)
    .max(35)
    .refine((tag) => {
      try {
        return Intl.getCanonicalLocales(tag).length === 1;
      } catch {
        return false;
      }
    }, { message: 'must be a language tag, e.g. fr or pt-BR' })
    .nullable();
const baseSettings = z.object({
  replyLanguage: languageTag.default(null),
  formality: z.enum(FORMALITIES).default('neutral'),
  pinSummaries: z.enum(PIN_SUMMARY_CADENCES).default('never'),
});
/** A change: the same fields without defaults, so that an absent field keeps its value. */
const settingsPatch = z
  .object({ replyLanguage: languageTag, formality: z.enum(FORMALITIES), pinSummaries: z.enum(PIN_SUMMARY_CADENCES) })
  .partial()
  .strict();
export type TeammateSettings = z.output<typeof baseSettings>;

/**
 * The settings schema for one teammate, by its kind: every kind takes a reply language and a
 * formality; only a teammate that may post to the pinboard (`pinboard_post` among its tools)
 * takes a summary cadence other than `never`. Unknown keys are refused.
 */
export function settingsSchemaFor(teammate: Pick<Teammate, 'tools'>) {
  const canPin = teammate.tools.includes('pinboard_post');
  return baseSettings.strict().refine((s) => canPin || s.pinSummaries === 'never', {
    message: 'this teammate cannot post to the pinboard, so it cannot pin summaries',
    path: ['pinSummaries'],
  });
}

/** Stored settings read leniently: anything that no longer validates falls back to its default. */
export function readTeammateSettings(teammate: Pick<Teammate, 'settings' | 'tools'>): TeammateSettings {
  const parsed = settingsSchemaFor(teammate).safeParse(teammate.settings ?? {});
  return parsed.success ? parsed.data : baseSettings.parse({});
}

/**
 * Applies a partial change to a teammate's settings (owners and admins; catalog teammates too).
 * Errors: ValidationError (per field, `settings.<name>`), NotFoundError (not in the caller's org),
 * ForbiddenError (members).
 */
export async function updateTeammateSettings(
  services: Pick<AppServices, 'db'>,
  viewer: Viewer,
  teammateId: string,
  input: unknown,
): Promise<Teammate> {
  const patch = parseInput(z.object({ settings: settingsPatch }), input).settings;
  if (!canManageOrg(viewer.role)) throw new ForbiddenError('Only owners and admins can change the team');
  return services.db.transaction().execute(async (trx) => {
    const teammate = await findTeammate(trx, viewer.org.id, teammateId, true);
    if (!teammate) throw new NotFoundError('Teammate');
    const next = { ...readTeammateSettings(teammate), ...patch };
    const checked = settingsSchemaFor(teammate).safeParse(next);
    if (!checked.success) {
      throw new ValidationError(checked.error.issues.map((i) => ({ field: ['settings', ...i.path.map(String)].join('.'), message: i.message })));
    }
    return saveTeammateSettings(trx, teammate.id, checked.data);
  });
}

/** The prompt section the settings make, or '' when every setting is at its default. */
export function settingsPromptText(settings: TeammateSettings): string {
  const lines = [
    settings.replyLanguage ? `- Reply in the language tagged "${settings.replyLanguage}", whatever language you are written to in.` : '',
    settings.formality === 'casual' ? '- Write casually: first names, short sentences, contractions.' : '',
    settings.formality === 'formal' ? '- Write formally: full sentences, no slang, no emoji.' : '',
    settings.pinSummaries === 'daily' ? '- Pin a short summary of your day’s work to the pinboard (pinboard_post) once a day.' : '',
    settings.pinSummaries === 'weekly' ? '- Pin a short summary of your week’s work to the pinboard (pinboard_post) once a week.' : '',
    settings.pinSummaries === 'per_goal' ? '- Pin a short summary to the pinboard (pinboard_post) whenever you finish a piece of work.' : '',
  ].filter(Boolean);
  return lines.length ? `## Your settings\n${lines.join('\n')}` : '';
}
