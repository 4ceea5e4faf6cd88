import { describe, expect, it } from 'vitest';
import { excerptOf, firstFreeSlug, markdownToPlainText, slugify } from '../../src/services/pinboard-text.ts';

describe('slugify', () => {
  it.each([
    ['Q3 launch plan', 'q3-launch-plan'],
    ['Café & Crème brûlée!', 'cafe-and-creme-brulee'],
    ['Straße nach Łódź', 'strasse-nach-lodz'],
    ["Don't panic", 'dont-panic'],
    ['  --Hello--World-- ', 'hello-world'],
    ['🚀 🎉', 'post'],
    ['日本語のメモ', 'post'],
  ])('%j → %s', (title, slug) => expect(slugify(title)).toBe(slug));

  it('cuts long titles at a word boundary, at most 60 characters', () => {
    const slug = slugify('The quick brown fox jumps over the lazy dog and keeps running far away into the night');
    expect(slug).toBe('the-quick-brown-fox-jumps-over-the-lazy-dog-and-keeps');
    expect(slugify('x'.repeat(100))).toHaveLength(60);
  });

  it('picks the first free suffix', () => {
    expect(firstFreeSlug('plan', new Set())).toBe('plan');
    expect(firstFreeSlug('plan', new Set(['plan', 'plan-2', 'plan-4']))).toBe('plan-3');
  });
});

describe('markdownToPlainText and excerptOf', () => {
  it('keeps the words a person reads and drops the markup', () => {
    const markdown = [
      '# Launch plan ##',
      '',
      '> **Important:** read [the brief](https://example.com/brief "Brief") first.',
      '',
      '- [ ] Ship *v2* on `main`',
      '- [x] Write_the_docs ~~later~~',
      '1. Check ![the logo](logo.png) and <https://example.com>',
      '',
      '| a | b |',
      '|---|:-:|',
      '| 1 | 2 |',
      '',
      '```sh',
      'npm run **deploy**',
      '```',
      '',
      'Tom &amp; Jerry \\*not emphasis\\* <b>bold</b> snake_case_word',
      '***',
      '[ref]: https://example.com',
    ].join('\n');
    expect(markdownToPlainText(markdown)).toBe(
      'Launch plan Important: read the brief first. Ship v2 on main Write_the_docs later Check the logo and https://example.com ' +
        'a b 1 2 npm run **deploy** Tom & Jerry *not emphasis* bold snake_case_word',
    );
  });

  it('shortens to at most 280 characters at a word boundary, with an ellipsis', () => {
    expect(excerptOf('Short and *sweet*.')).toBe('Short and sweet.');
    const long = excerptOf(`${'alpha beta. '.repeat(40)}`);
    expect(long.length).toBeLessThanOrEqual(280);
    expect(long).toMatch(/(alpha|beta)…$/);
    expect(excerptOf('x'.repeat(400))).toBe(`${'x'.repeat(279)}…`);
  });
});
