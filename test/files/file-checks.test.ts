import { describe, expect, it } from 'vitest';
import { inspectBytes, isAllowedType } from '../../src/services/file-content.ts';
import { MAX_FILE_NAME_LENGTH, sanitizeFileName } from '../../src/services/file-names.ts';
import { UrlSigner } from '../../src/storage/signed-urls.ts';
import { contentDisposition } from '../../src/storage/types.ts';
import { makeElf, makePdf, makePng } from '../helpers/files.ts';

/** The pure checks behind uploads: names, types from bytes, signatures. */
describe('sanitizeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\..\\secret.txt', 'secret.txt'],
    ['..', 'file'],
    ['.', 'file'],
    ['...///...', 'file'],
    ['.env', 'env'],
    ['a..b..c.txt', 'a.b.c.txt'],
    ['inv\u0000oice\u0007.pdf', 'invoice.pdf'],
    ['photo\u202egnp.exe', 'photognp.exe'],
    ['zero\u200bwidth.md', 'zerowidth.md'],
    ['what?<is>:this|*.txt', 'what__is__this__.txt'],
    ['  spaced   out  .csv ', 'spaced out .csv'],
    ['', 'file'],
    ['Überblick – Q3.pdf', 'Überblick – Q3.pdf'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it('caps long names and keeps the extension', () => {
    const name = sanitizeFileName(`${'a'.repeat(500)}.xlsx`);
    expect([...name]).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(name.endsWith('.xlsx')).toBe(true);
    expect([...sanitizeFileName('😀'.repeat(300))]).toHaveLength(MAX_FILE_NAME_LENGTH);
  });
});

describe('content types from the bytes', () => {
  it('recognises formats by magic number whatever the name says', async () => {
    expect((await inspectBytes(makePdf([['x']]), 'scan.jpg')).contentType).toBe('application/pdf');
    expect((await inspectBytes(makePng(), 'document.pdf')).contentType).toBe('image/png');
    expect((await inspectBytes(makeElf(), 'invoice.pdf')).contentType).toBe('application/x-elf');
    expect((await inspectBytes(Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'), 'setup.txt')).contentType).not.toMatch(/^text\//);
  });

  it('treats valid UTF-8 without control characters as text, named by extension or content', async () => {
    const type = async (text: string, name: string, declared?: string) => (await inspectBytes(Buffer.from(text), name, declared)).contentType;
    expect(await type('a,b\n1,2', 'data.csv')).toBe('text/csv');
    expect(await type('a\tb', 'data.tsv')).toBe('text/tab-separated-values');
    expect(await type('{"ok":true}', 'data.json')).toBe('application/json');
    expect(await type('{"broken":', 'data.json')).toBe('text/plain');
    expect(await type('<!DOCTYPE html><p>hi', 'page')).toBe('text/html');
    expect(await type('# Title', 'README', 'text/markdown')).toBe('text/markdown');
    expect(await type('héllo wörld', 'notes')).toBe('text/plain');
    expect(await type('bad \u0000 byte', 'notes.txt')).toBe('application/octet-stream');
    expect((await inspectBytes(Buffer.from([0xc3, 0x28, 0x41]), 'latin.txt')).contentType).toBe('application/octet-stream');
  });

  it('matches allowed types exactly or by type/*', () => {
    expect(isAllowedType('image/webp', ['image/*'])).toBe(true);
    expect(isAllowedType('text/csv; charset=utf-8', ['text/csv'])).toBe(true);
    expect(isAllowedType('application/x-elf', ['application/pdf', 'image/*'])).toBe(false);
    expect(isAllowedType('imagex/png', ['image/*'])).toBe(false);
  });
});

describe('UrlSigner', () => {
  const signer = new UrlSigner('a-secret-of-at-least-thirty-two-characters');
  const fileId = '6f1c1d2e-8a47-4a52-9a5e-2b9f1e0c7d11';

  it('accepts its own signature until it expires, and nothing else', () => {
    const { expires, sig } = signer.sign('download', fileId, 60);
    expect(signer.verify('download', fileId, expires, sig)).toBe('ok');
    expect(signer.verify('download', fileId, expires, sig, Date.now() + 61_000)).toBe('expired');
    expect(signer.verify('upload', fileId, expires, sig)).toBe('invalid');
    expect(signer.verify('download', fileId.replace('6f', '7f'), expires, sig)).toBe('invalid');
    expect(signer.verify('download', fileId, String(Number(expires) + 1), sig)).toBe('invalid');
    expect(signer.verify('download', fileId, expires, null)).toBe('invalid');
    expect(signer.verify('download', fileId, '1e9', sig)).toBe('invalid');
    expect(new UrlSigner('another-secret-of-at-least-thirty-two-chars').verify('download', fileId, expires, sig)).toBe('invalid');
  });
});

describe('contentDisposition', () => {
  it('offers an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('Überblick "Q3".pdf')).toBe(`attachment; filename="_berblick _Q3_.pdf"; filename*=UTF-8''%C3%9Cberblick%20%22Q3%22.pdf`);
  });
});
