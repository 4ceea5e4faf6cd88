import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFileById } from '../../src/repositories/files.ts';
import { ingestFile } from '../../src/services/file-ingestion.ts';
import { htmlToText, parseDelimited } from '../../src/services/file-text.ts';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { makePdf, makePng, uploadMultipart } from '../helpers/files.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';
import { gqlOn, waitFor, type Data } from '../helpers/kit.ts';

/** The ingestion job, run by a real worker: text extraction, READY/FAILED, and search over it. */
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-ingest-'));
let server: TestServer;
useTestServer({ worker: true, env: { TMATES_HOME: home } }, (s) => (server = s));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const raw = (globalId: string) => decodeGlobalID(globalId).id;

const gql = gqlOn(() => server);

const FILE = 'query($id: ID!) { file(id: $id) { name status error contentType pageCount rowCount isImage textPreview textLength } }';

async function uploadAndProcess(user: TestUser, name: string, bytes: Uint8Array | string, type?: string): Promise<Data> {
  const uploaded = (await uploadMultipart(server, user.token, { name, bytes, type })).data!.uploadFile;
  expect(uploaded.__typename).toBe('File');
  const done = await waitFor(async () => {
    const { file } = await gql(user, FILE, { id: uploaded.id });
    return ['READY', 'FAILED'].includes(file.status) && file;
  }, `${name} to be processed`);
  return { id: uploaded.id, ...done };
}

async function search(user: TestUser, words: string): Promise<string[]> {
  const { files } = await gql(user, 'query($q: String) { files(search: $q) { edges { node { name } } } }', { q: words });
  return files.edges.map((e: Data) => e.node.name).sort();
}

let user: TestUser;
const ids: Record<string, string> = {};
beforeAll(async () => {
  user = await signUpUser(server, 'Reader');
});

describe('ingestion', () => {
  it('makes a PDF’s text searchable, page by page', async () => {
    const pdf = makePdf([
      ['Quarterly report', 'Revenue grew in the northern markets'],
      ['Appendix', 'The zebrafish study continues (phase two)'],
    ]);
    const file = await uploadAndProcess(user, 'q3-report.pdf', pdf, 'application/pdf');
    ids.pdf = file.id;
    expect(file).toMatchObject({ status: 'READY', error: null, contentType: 'application/pdf', pageCount: 2, isImage: false });
    expect(file.textPreview).toContain('Revenue grew in the northern markets');
    expect(file.textPreview).toContain('zebrafish study continues (phase two)');
    expect(await search(user, 'zebrafish')).toEqual(['q3-report.pdf']);
    // Stemmed words and file names match too.
    expect(await search(user, 'market')).toEqual(['q3-report.pdf']);
    expect(await search(user, 'q3')).toEqual(['q3-report.pdf']);
  });

  it('makes CSV rows searchable text, with a row count', async () => {
    const csv = 'city,country,notes\nLisbon,Portugal,"warm, windy"\nOslo,Norway,"fjords\nand ""snow"""\n';
    const file = await uploadAndProcess(user, 'cities.csv', csv, 'text/csv');
    ids.csv = file.id;
    expect(file).toMatchObject({ status: 'READY', contentType: 'text/csv', rowCount: 2 });
    expect(file.textPreview).toBe('city | country | notes\nLisbon | Portugal | warm, windy\nOslo | Norway | fjords and "snow"');
    expect(await search(user, 'Lisbon')).toEqual(['cities.csv']);
    expect(await search(user, 'fjords Norway')).toEqual(['cities.csv']);
  });

  it('reads markdown, JSON and HTML (without scripts or styles)', async () => {
    const md = await uploadAndProcess(user, 'notes.md', '# Roadmap\n\nShip the **pinboard** next.');
    expect(md).toMatchObject({ status: 'READY', contentType: 'text/markdown', textPreview: '# Roadmap\n\nShip the **pinboard** next.' });
    const json = await uploadAndProcess(user, 'config.json', '{"region":"Patagonia","replicas":3}');
    expect(json).toMatchObject({ status: 'READY', contentType: 'application/json' });
    expect(json.textPreview).toContain('"region": "Patagonia"');
    const html = await uploadAndProcess(
      user,
      'page.html',
      '<!doctype html><html><head><title>Launch &amp; plan</title><style>.x{color:red}</style></head><body><script>alert("hidden")</script><h1>Launch</h1><p>Meet at the lighthouse&nbsp;at noon.</p><!-- secret comment --></body></html>',
    );
    expect(html).toMatchObject({ status: 'READY', contentType: 'text/html' });
    expect(html.textPreview).toBe('Launch & plan\nLaunch\nMeet at the lighthouse at noon.');
    expect(await search(user, 'lighthouse')).toEqual(['page.html']);
    expect(await search(user, 'alert')).toEqual([]);
    expect(await search(user, 'Patagonia')).toEqual(['config.json']);
  });

  it('marks images READY without text, flagged as images', async () => {
    const image = await uploadAndProcess(user, 'photo.png', makePng(), 'image/png');
    ids.image = image.id;
    expect(image).toMatchObject({ status: 'READY', isImage: true, textPreview: null, textLength: null, contentType: 'image/png' });
  });

  it('marks a broken PDF FAILED with a readable reason', async () => {
    const broken = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('this is not really a pdf at all\n'.repeat(20))]);
    const file = await uploadAndProcess(user, 'broken.pdf', broken, 'application/pdf');
    expect(file.status).toBe('FAILED');
    expect(file.error).toMatch(/^The PDF could not be read/);
  });

  it('is idempotent: running it again changes nothing, and a crashed attempt is taken over', async () => {
    const { services } = server.app;
    const fileId = raw(ids.csv!);
    const before = await findFileById(services.db, fileId);
    await ingestFile(services, fileId, { lastAttempt: false });
    expect(await findFileById(services.db, fileId)).toEqual(before);
    // A worker that died mid-way left it PROCESSING: the retry finishes the job.
    await sql`update files set status = 'processing', extracted_text = null where id = ${fileId}`.execute(services.db);
    await ingestFile(services, fileId, { lastAttempt: false });
    const after = await findFileById(services.db, fileId);
    expect(after).toMatchObject({ status: 'ready', metadata: { rowCount: 2 } });
    expect(await search(user, 'Lisbon')).toEqual(['cities.csv']);
  });

  it('a deleted file drops out of search at once', async () => {
    const file = await uploadAndProcess(user, 'temporary.txt', 'a quokka visited', 'text/plain');
    expect(await search(user, 'quokka')).toEqual(['temporary.txt']);
    await gql(user, 'mutation($id: ID!) { deleteFile(input: { id: $id }) { __typename } }', { id: file.id });
    expect(await search(user, 'quokka')).toEqual([]);
  });
});

describe('live file events', () => {
  it('tell every member each step — uploaded, processing, ready or failed, deleted — and nobody else', async () => {
    const owner = await signUpUser(server, 'Filer');
    const stranger = await signUpUser(server, 'Outsider');
    const EVENTS = 'subscription { viewerEvents { __typename thread { id } ... on FileEvent { change fileId file { name status error } } } }';
    const listen = async (token: string) => {
      const before = server.app.services.bus.listenerCount();
      const sub = collect<Data>(server.wsClient({ token }), EVENTS);
      await waitFor(() => server.app.services.bus.listenerCount() > before || sub.errors.length > 0);
      return sub;
    };
    const mine = await listen(owner.token);
    const theirs = await listen(stranger.token);

    const good = await uploadAndProcess(owner, 'minutes.txt', 'We agreed on Tuesday.', 'text/plain');
    const bad = await uploadAndProcess(owner, 'broken.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('not a pdf\n'.repeat(40))]), 'application/pdf');
    await gql(owner, 'mutation($id: ID!) { deleteFile(input: { id: $id }) { __typename } }', { id: good.id });

    const events = (await mine.waitFor(7)).map((e) => e.viewerEvents);
    const of = (id: string) => events.filter((e) => e.fileId === id).map((e) => [e.change, e.file?.status ?? null]);
    expect(of(good.id)).toEqual([
      ['UPLOADED', expect.any(String)], // the file may have moved on by the time it is loaded
      ['PROCESSING', expect.any(String)],
      ['READY', 'READY'],
      ['DELETED', null],
    ]);
    expect(of(bad.id)).toEqual([
      ['UPLOADED', expect.any(String)],
      ['PROCESSING', expect.any(String)],
      ['FAILED', 'FAILED'],
    ]);
    expect(events.every((e) => e.__typename === 'FileEvent' && e.thread === null)).toBe(true);
    expect(events.find((e) => e.change === 'FAILED').file.error).toMatch(/^The PDF could not be read/);

    await new Promise((r) => setTimeout(r, 300)); // nothing may reach the stranger
    expect(theirs.events).toEqual([]);
    mine.stop();
    theirs.stop();
  });
});

describe('text extraction helpers', () => {
  it('parses quoted CSV fields, doubled quotes, CRLF and blank lines', () => {
    expect(parseDelimited('a,b\r\n"x, y","say ""hi"""\r\n\r\n1,\n', ',')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['1', ''],
    ]);
  });

  it('keeps table cells apart and decodes entities in HTML', () => {
    expect(htmlToText('<table><tr><td>a</td><td>b&#233;</td></tr></table><noscript>x</noscript>')).toBe('a | bé');
  });
});
