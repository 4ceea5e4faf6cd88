/**
 * Text rules of the pinboard, pure and shared by every way a post is made (GraphQL, teammate
 * tools): the slug a title gets, the excerpt a markdown body gets, and what a tag may look like.
 */

export const MAX_SLUG_LENGTH = 60;
export const EXCERPT_LENGTH = 280;

/** Letters NFKD does not decompose into ASCII. */
const FOLDED: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', þ: 'th', ı: 'i', '&': ' and ' };

/**
 * A permalink name from a title: lower-case ASCII words joined by hyphens ("Café & Crème brûlée!" →
 * `cafe-and-creme-brulee`), cut at a word boundary to at most 60 characters; `post` when nothing
 * is left (a title of emoji or a script with no ASCII transliteration).
 */
export function slugify(title: string): string {
  const folded = title
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[ßæœøđðłþı&]/g, (c) => FOLDED[c]!)
    .replace(/['’]/g, ''); // "don't" → "dont", not "don-t"
  let slug = '';
  for (const word of folded.split(/[^a-z0-9]+/).filter(Boolean)) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > MAX_SLUG_LENGTH) {
      if (!slug) slug = word.slice(0, MAX_SLUG_LENGTH);
      break;
    }
    slug = next;
  }
  return slug || 'post';
}

/** The first of `base`, `base-2`, `base-3`… that is not taken. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

export const MAX_TAGS = 10;
export const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}_-]{0,31}$/u;

/** Tags compare case-insensitively and may be written `#launch`: both become `launch`. */
export function normalizeTag(tag: string): string {
  return tag.trim().replace(/^#/, '').toLowerCase();
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/**
 * Markdown as a person reads it, on one line: no markup, links as their text, images as their alt
 * text, code as its text. Good enough for excerpts and previews; not a renderer.
 */
export function markdownToPlainText(markdown: string): string {
  const code: string[] = [];
  const keep = (text: string) => `\u0000${code.push(text) - 1}\u0000`;
  const lines = markdown
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    // Fenced code keeps its text, not its fences.
    .replace(/^ {0,3}(`{3,}|~{3,})[^\n]*\n([\s\S]*?)(?:^ {0,3}\1[^\n]*$|(?![\s\S]))/gm, (_m, _fence, body: string) => keep(body))
    .split('\n')
    .map((line) =>
      line
        .replace(/^\s*\[[^\]]+\]:\s*\S+.*$/, '') // reference definitions
        .replace(/^\s*(?:[-*_]\s*){3,}$/, '') // thematic breaks
        .replace(/^\s*(?:=+|-+)\s*$/, '') // setext underlines
        .replace(/^\s*\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$/, '') // table separators
        .replace(/^\s*(?:>\s?)+/, '') // block quotes
        .replace(/^\s*#{1,6}\s+(.*?)\s*#*\s*$/, '$1') // headings
        .replace(/^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/, ''), // list items and task boxes
    )
    .join('\n');
  const text = lines
    .replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks, body: string) => keep(body.trim()))
    .replace(/\\([\\`*_{}[\]()#+\-.!>|~])/g, (_m, char: string) => keep(char)) // escapes stay literal
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1') // images → alt text
    .replace(/!\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1') // links → their text
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, '$1') // autolinks
    .replace(/<\/?[a-zA-Z][^>]*>/g, ' ') // HTML tags
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(^|[^\w*])\*(?=\S)([\s\S]*?\S)\*(?!\w)/g, '$1$2')
    .replace(/(^|\W)_(?=\S)([\s\S]*?\S)_(?!\w)/g, '$1$2')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/\|/g, ' ') // table cells
    .replace(/&(#39|[a-z]+);/g, (m, name: string) => ENTITIES[name] ?? m)
    .replace(/\u0000(\d+)\u0000/g, (_m, i: string) => code[Number(i)]!);
  return text.replace(/\s+/g, ' ').trim();
}

/** The first ~280 characters of a markdown body as plain text, cut at a word boundary with "…". */
export function excerptOf(markdown: string, length = EXCERPT_LENGTH): string {
  const text = markdownToPlainText(markdown);
  if (text.length <= length) return text;
  const cut = text.slice(0, length - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > length * 0.6 ? cut.slice(0, space) : cut).replace(/[\s.,;:!?-]+$/, '')}…`;
}
