import { parse } from 'csv-parse/sync';

/** The delimiters recognised, in the order preferred on a tie. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export interface Dialect {
  delimiter: Delimiter;
  /** The character that quotes fields (`"`, or `'` where the file uses that). */
  quote: '"' | "'";
}

/** Lines looked at to detect the dialect. */
const SAMPLE_LINES = 20;
/** Characters looked at, at most. */
const SAMPLE_CHARS = 64 * 1024;

/** How often `delimiter` occurs in `line` outside `quote`d stretches. */
function countOutsideQuotes(line: string, delimiter: string, quote: string): number {
  let count = 0;
  let quoted = false;
  for (const c of line) {
    if (c === quote) quoted = !quoted;
    else if (!quoted && c === delimiter) count += 1;
  }
  return count;
}

/** Non-blank records of `text`: split at line breaks outside quoted stretches (a quoted field may hold newlines). */
function records(text: string, quote: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === quote) quoted = !quoted;
    if (!quoted && (c === '\n' || c === '\r')) {
      if (current.trim() !== '') out.push(current);
      current = '';
    } else current += c;
  }
  if (current.trim() !== '') out.push(current);
  return out;
}

/** The most common value of a list and the share of the list that has it. */
function mode(values: number[]): { value: number; share: number } {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = { value: 0, count: 0 };
  for (const [value, count] of counts) if (count > best.count || (count === best.count && value > best.value)) best = { value, count };
  return { value: best.value, share: values.length ? best.count / values.length : 0 };
}

/**
 * Detects the delimiter (`,` `;` tab `|`) and the quote character of delimited text from its first
 * lines: the delimiter that splits the most lines into the same number of fields (more fields win
 * a tie, then `preferred`, then the order of DELIMITERS). `'` is the quote only when fields start
 * and end with it and none with `"`. Excel in much of Europe writes `;` with decimal commas.
 */
export function detectDialect(text: string, preferred?: Delimiter): Dialect {
  const raw = text.slice(0, SAMPLE_CHARS).split(/\r\n|\n|\r/).filter((l) => l.trim() !== '');
  const single = /(^|[,;\t|])'[^']*'(?=$|[,;\t|])/;
  const double = /(^|[,;\t|])"/;
  const quote = raw.some((l) => single.test(l)) && !raw.some((l) => double.test(l)) ? "'" : '"';
  const lines = records(text.slice(0, SAMPLE_CHARS), quote).slice(0, SAMPLE_LINES);
  const order = preferred ? [preferred, ...DELIMITERS.filter((d) => d !== preferred)] : [...DELIMITERS];
  let best: { delimiter: Delimiter; share: number; fields: number } | undefined;
  for (const delimiter of order) {
    const { value, share } = mode(lines.map((l) => countOutsideQuotes(l, delimiter, quote)));
    if (value === 0) continue;
    if (!best || share > best.share || (share === best.share && value > best.fields)) best = { delimiter, share, fields: value };
  }
  return { delimiter: best?.delimiter ?? preferred ?? ',', quote };
}

/**
 * Parses delimited text into rows of cells with csv-parse: RFC 4180 quoting (doubled quotes,
 * newlines inside quotes), a leading BOM removed, rows of any length, stray quotes inside fields
 * kept as text, blank lines skipped. Cells are text as written: "1,5" stays "1,5". With no
 * `dialect`, it is detected (see detectDialect).
 */
export function parseDelimited(text: string, dialect: Partial<Dialect> & { preferred?: Delimiter } = {}): string[][] {
  const input = text.replace(/^\uFEFF/, '');
  const detected = dialect.delimiter && dialect.quote ? (dialect as Dialect) : { ...detectDialect(input, dialect.preferred ?? dialect.delimiter), ...(dialect.delimiter ? { delimiter: dialect.delimiter } : {}) };
  const rows = parse(input, {
    delimiter: detected.delimiter,
    quote: detected.quote,
    bom: true,
    record_delimiter: ['\r\n', '\n', '\r'], // files mixing line endings
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as string[][];
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
}
