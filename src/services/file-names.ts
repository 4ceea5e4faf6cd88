/** Longest file name kept, in characters (the extension is kept when a long name is cut). */
export const MAX_FILE_NAME_LENGTH = 200;

/**
 * Turns a name a client sent into a harmless display name: the last path segment only (so
 * `../../etc/passwd` becomes `passwd`), without control, zero-width or bidirectional-override
 * characters, without `..`, characters Windows forbids, or leading dots, and at most
 * MAX_FILE_NAME_LENGTH characters. It is only ever a label: storage keys never derive from it.
 */
export function sanitizeFileName(raw: string | null | undefined, fallback = 'file'): string {
  let name = (raw ?? '').normalize('NFC');
  // The joiners ZWJ/ZWNJ (U+200C/D) stay: scripts and emoji need them.
  name = name.replace(/[\u0000-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '');
  name = name.split(/[\\/]+/).filter((part) => part.trim() !== '').pop() ?? '';
  name = name
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '')
    .replace(/[.\s]+$/, '');
  if (name === '') return fallback;
  const chars = [...name];
  if (chars.length <= MAX_FILE_NAME_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  return [...name.slice(0, name.length - extension.length)].slice(0, MAX_FILE_NAME_LENGTH - extension.length).join('').trimEnd() + extension;
}

/** The lower-case extension of a name without the dot, or ''. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}
