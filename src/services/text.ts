import { z } from 'zod';
import { ValidationError } from './errors.ts';

/**
 * One normalisation for text that a person or a model writes (messages, titles, names, searches,
 * memories, posts, comments, file names, goals):
 * * Unicode NFC, so "é" typed two ways is one string (and one search hit);
 * * line breaks become `\n` (CRLF and lone CR from other systems);
 * * NUL and the other C0 control characters except tab and newline (and DEL) are refused: a
 *   person gets a ValidationError naming the field; text from a model or a search has them
 *   replaced by a space;
 * * bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) are removed:
 *   they can make text read differently from what it is ("Trojan Source"); the marks LRM/RLM and
 *   the joiners ZWJ/ZWNJ that scripts and emoji need are kept;
 * * the byte-order mark (U+FEFF) is removed wherever it is;
 * * "empty" means empty once whitespace and invisible characters (zero-width space, joiners, word
 *   joiner, soft hyphen, variation selectors, fillers) are removed;
 * * ends are trimmed of whitespace and zero-width characters.
 */

/** C0 controls other than tab (U+0009) and newline (U+000A), and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/u;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F]/gu;
/** Bidirectional embeddings, overrides (LRE RLE PDF LRO RLO) and isolates (LRI RLI FSI PDI). */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/gu;
const BOM = /\uFEFF/gu;
/** Characters that show nothing: zero-width space/joiners, word joiner, soft hyphen, marks, fillers, variation selectors. */
const INVISIBLE = /[\s\u200B-\u200F\u2060-\u2064\u00AD\u034F\u180E\u115F\u1160\u3164\uFFA0\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;
/** What the ends are trimmed of (not the joiners or variation selectors an emoji may end with). */
const EDGES = /^[\s\u200B\u2060\u00AD\u180E]+|[\s\u200B\u2060\u00AD\u180E]+$/gu;

/** Blank lines at the start (whitespace and zero-width characters only). */
const BLANK_LEAD = /^(?:[ \t\u200B\u2060\u00AD\u180E]*\n)+/u;

/** Line breaks to `\n`, NFC, bidi controls and BOMs removed. Controls are left for the caller to judge. */
function canonical(value: string): string {
  return value.replace(/\r\n?/g, '\n').normalize('NFC').replace(BIDI_CONTROLS, '').replace(BOM, '');
}

/** Whether the text shows nothing: empty after removing whitespace and invisible characters. */
export function isBlank(value: string): boolean {
  return value.replace(INVISIBLE, '').length === 0;
}

/** The first forbidden control character in `value`, as `U+XXXX`, or undefined. */
export function forbiddenControl(value: string): string | undefined {
  const hit = CONTROL.exec(value.replace(/\r\n?/g, '\n'));
  return hit ? `U+${hit[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : undefined;
}

export interface TextOptions {
  /** Longest allowed length (after normalising), in UTF-16 code units like String#length. */
  max: number;
  /** Newlines and tabs allowed (bodies); otherwise every run of whitespace becomes one space (titles, names). */
  multiline?: boolean;
  /** Blank text allowed (becomes ""). */
  allowBlank?: boolean;
  /** Markdown: only blank leading lines are removed, so the first line keeps its indentation. */
  keepIndentation?: boolean;
}

/**
 * Normalises text a person wrote, or throws a ValidationError for `field`: a control character,
 * blank text (unless allowed), or more than `max` characters.
 */
export function normaliseText(value: string, field: string, options: TextOptions): string {
  const problem = textProblem(value, options);
  if (problem) throw new ValidationError([{ field, message: problem }]);
  return cleanText(value, options);
}

function textProblem(value: string, options: TextOptions): string | undefined {
  const control = forbiddenControl(value);
  if (control) return `must not contain control characters (found ${control})`;
  const clean = cleanText(value, options);
  if (!options.allowBlank && isBlank(clean)) return 'must not be empty';
  if (clean.length > options.max) return `must be at most ${options.max} characters`;
  return undefined;
}

function cleanText(value: string, options: Pick<TextOptions, 'multiline' | 'keepIndentation'>): string {
  let text = canonical(value);
  if (!options.multiline) text = text.replace(/\s+/gu, ' ');
  text = options.keepIndentation ? text.replace(BLANK_LEAD, '').replace(EDGES, (edge, at: number) => (at === 0 ? edge : '')) : text.replace(EDGES, '');
  return isBlank(text) ? '' : text;
}

/**
 * The zod schema of a text field a person writes (see the module's rules): refuses control
 * characters, blank text and text over `max`, and yields the normalised text.
 */
export function textSchema(options: TextOptions) {
  return z.string().transform((value, ctx) => {
    const problem = textProblem(value, options);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return cleanText(value, options);
  });
}

/**
 * Text a model wrote, or other text that cannot be refused: normalised the same way, with
 * forbidden control characters removed (PostgreSQL rejects NUL in text).
 */
export function cleanModelText(value: string): string {
  return canonical(value).replace(CONTROLS, '');
}

/**
 * A search as typed: normalised, with control characters and other characters that
 * `websearch_to_tsquery`/`ilike` would reject or misread replaced by spaces, and whitespace
 * collapsed. May be empty (then there is nothing to search for).
 */
export function searchText(value: string): string {
  return canonical(value)
    .replace(CONTROLS, ' ')
    .replace(INVISIBLE, (ch) => (/[\u200C\u200D\uFE00-\uFE0F]/u.test(ch) ? ch : ' '))
    .replace(/\s+/gu, ' ')
    .trim();
}
