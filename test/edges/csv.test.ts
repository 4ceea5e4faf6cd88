import { describe, expect, it } from 'vitest';
import { detectDialect, parseDelimited } from '../../src/services/delimited-text.ts';
import { extractText } from '../../src/services/file-text.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const csvText = async (s: string, type = 'text/csv') => (await extractText(bytes(s), type)).text;

describe('CSV and TSV dialects', () => {
  it('Excel-style: a BOM, ";" separators and decimal commas read as three columns (the reported case)', async () => {
    expect(await csvText('\ufeffName;City;Amount\r\nZoë;Zürich;1,5')).toBe('Name | City | Amount\nZoë | Zürich | 1,5');
    expect((await extractText(bytes('\ufeffName;City;Amount\r\nZoë;Zürich;1,5\r\nAda;Köln;2,25\r\n'), 'text/csv')).metadata.rowCount).toBe(2);
  });

  it.each([
    ['comma', 'a,b,c\n1,2,3', ',', [['a', 'b', 'c'], ['1', '2', '3']]],
    ['semicolon with decimal commas', 'x;y\n1,5;2,75\n3;4', ';', [['x', 'y'], ['1,5', '2,75'], ['3', '4']]],
    ['tab', 'x\ty\n1,5\t"a;b"', '\t', [['x', 'y'], ['1,5', 'a;b']]],
    ['pipe', 'id|name\n1|Zoë, Ada\n2|Bo', '|', [['id', 'name'], ['1', 'Zoë, Ada'], ['2', 'Bo']]],
    ['comma with quoted decimal commas', 'item,price\n"tea","1,50"\n"cake","2,00"', ',', [['item', 'price'], ['tea', '1,50'], ['cake', '2,00']]],
    ['semicolon with quoted newlines and doubled quotes', 'a;b\n"line 1\nline 2";"say ""hi"""', ';', [['a', 'b'], ['line 1\nline 2', 'say "hi"']]],
  ])('%s', (_name, text, delimiter, rows) => {
    expect(detectDialect(text).delimiter).toBe(delimiter);
    expect(parseDelimited(text)).toEqual(rows);
  });

  it("single quotes as the quote character; mixed line endings; ragged rows; a stray quote inside a field", () => {
    expect(detectDialect("'a';'b; c'\n'1';'2'")).toEqual({ delimiter: ';', quote: "'" });
    expect(parseDelimited("'a';'b; c'\n'1';'2'")).toEqual([['a', 'b; c'], ['1', '2']]);
    expect(parseDelimited('a,b\r\n1,2\n3,4\r5,6')).toEqual([['a', 'b'], ['1', '2'], ['3', '4'], ['5', '6']]);
    expect(parseDelimited('a,b,c\n1\n2,3')).toEqual([['a', 'b', 'c'], ['1'], ['2', '3']]);
    expect(parseDelimited('name,note\nAda,5" screen')).toEqual([['name', 'note'], ['Ada', '5" screen']]);
  });

  it('a file labelled TSV that uses ";" is read by what it is; the label breaks ties', async () => {
    expect(await csvText('a;b\n1;2', 'text/tab-separated-values')).toBe('a | b\n1 | 2');
    expect(detectDialect('one column\nonly', '\t').delimiter).toBe('\t');
    expect(await csvText('single\nvalues')).toBe('single\nvalues');
  });
});
