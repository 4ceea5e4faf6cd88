import type { FileMetadata } from '../repositories/files.ts';
import { parseDelimited as parseRows, type Delimiter } from './delimited-text.ts';

/** Extracted text kept per file, in characters; longer text is cut (and flagged). */
export const MAX_EXTRACTED_CHARS = 1_000_000;

export interface Extraction {
  /** Null when the type has no text to extract (images, office documents). */
  text: string | null;
  metadata: FileMetadata;
}

/** A file whose bytes cannot be read as what they claim to be; the message is shown to people. */
export class ExtractionError extends Error {
  override name = 'ExtractionError';
}

const utf8 = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');

/** Parses CSV (RFC 4180: quoted fields, doubled quotes, newlines inside quotes) or TSV into rows, with csv-parse. */
export function parseDelimited(text: string, delimiter: string): string[][] {
  return parseRows(text, { delimiter: delimiter as Delimiter });
}

/** One line per row, cells separated by " | ": readable for a model, every value searchable. */
function delimitedToText(text: string, preferred: Delimiter): Extraction {
  // The dialect is detected (Excel writes `;` with decimal commas in much of Europe); the type only breaks ties.
  const rows = parseRows(text, { preferred });
  return {
    text: rows.map((r) => r.map((cell) => cell.replace(/\s+/g, ' ').trim()).join(' | ')).join('\n'),
    metadata: { rowCount: Math.max(0, rows.length - 1) },
  };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…', copy: '©', reg: '®', euro: '€' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

/** The readable text of an HTML document: no scripts, styles or markup; blocks become lines. */
export function htmlToText(html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const body = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|noscript|template|head|svg|iframe|object)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|hr)\b[^>]*>/gi, '\n')
    .replace(/<\/?(p|div|section|article|header|footer|li|ul|ol|tr|table|h[1-6]|blockquote|pre|dd|dt|main|nav|aside)\b[^>]*>/gi, '\n')
    .replace(/<\/t[dh]\s*>/gi, ' | ')
    .replace(/<[^>]*>/g, ' ');
  const text = decodeEntities(body)
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').replace(/(\s*\|\s*)+$/, '').trim())
    .filter(Boolean)
    .join('\n');
  const heading = title ? decodeEntities(title).replace(/\s+/g, ' ').trim() : '';
  return heading && !text.startsWith(heading) ? `${heading}\n${text}` : text;
}

async function pdfToText(bytes: Uint8Array): Promise<Extraction> {
  const { extractText, getDocumentProxy } = await import('unpdf');
  let document;
  try {
    // pdf.js takes ownership of the buffer it is given: hand it a copy.
    // Errors only (pdf.js warns on stdout about damaged files); no eval of font programs.
    document = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false });
  } catch (error) {
    const reason = error as { name?: string; message?: string };
    if (reason.name === 'PasswordException') throw new ExtractionError('The PDF is password-protected');
    throw new ExtractionError(`The PDF could not be read (${reason.message ?? 'invalid file'})`);
  }
  try {
    const { totalPages, text } = await extractText(document, { mergePages: false });
    const pages = (Array.isArray(text) ? text : [text]).map((page) => page.trim());
    return { text: pages.filter(Boolean).join('\n\n'), metadata: { pageCount: totalPages } };
  } finally {
    await document.destroy();
  }
}

/**
 * Text for search and for teammates, by sniffed type: plain text and markdown as they are, CSV and
 * TSV as rows, JSON pretty-printed, HTML without markup or scripts, PDF page by page. Images have
 * no text and are flagged (vision models get them as attachments). Text is capped at
 * MAX_EXTRACTED_CHARS and never contains NUL (PostgreSQL text cannot).
 */
export async function extractText(bytes: Uint8Array, contentType: string): Promise<Extraction> {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  let extraction: Extraction;
  if (type.startsWith('image/')) {
    extraction = { text: null, metadata: { isImage: true } };
  } else if (type === 'application/pdf') {
    extraction = await pdfToText(bytes);
  } else if (type === 'text/csv') {
    extraction = delimitedToText(utf8(bytes), ',');
  } else if (type === 'text/tab-separated-values') {
    extraction = delimitedToText(utf8(bytes), '\t');
  } else if (type === 'application/json') {
    const raw = utf8(bytes);
    let text = raw;
    try {
      text = JSON.stringify(JSON.parse(raw), null, 2);
    } catch {
      // Not valid JSON after all: index it as the text it is.
    }
    extraction = { text, metadata: {} };
  } else if (type === 'text/html') {
    extraction = { text: htmlToText(utf8(bytes)), metadata: {} };
  } else if (type.startsWith('text/')) {
    extraction = { text: utf8(bytes), metadata: {} };
  } else {
    extraction = { text: null, metadata: {} };
  }
  if (extraction.text !== null) {
    let text = extraction.text.replace(/\u0000/g, '');
    if (text.length > MAX_EXTRACTED_CHARS) {
      text = text.slice(0, MAX_EXTRACTED_CHARS);
      extraction.metadata.textTruncated = true;
    }
    extraction.text = text;
  }
  return extraction;
}
