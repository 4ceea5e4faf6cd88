import { mkdtempSync, rmSync } from 'node:fs';
import { type Data, waitFor } from '../helpers/kit.ts';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { makePdf, uploadMultipart } from '../helpers/files.ts';
import { useTestServer, type TestServer } from '../helpers/server.ts';

/** Ingestion by a real worker, with small caps so that poison is cheap to make. */
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-poison-'));
let server: TestServer;
useTestServer(
  { worker: true, env: { TMATES_HOME: home, FILE_EXTRACT_MAX_BYTES: String(8 * 1024 * 1024), FILE_EXTRACT_MEMORY_MB: '48', FILE_EXTRACT_TIMEOUT_MS: '20000' } },
  (s) => (server = s),
);
afterAll(() => rmSync(home, { recursive: true, force: true }));

const FILE = 'query($id: ID!) { file(id: $id) { status error textLength } }';

/** A one-page PDF whose content stream is `inflated` bytes of spaces, Flate-compressed. */
function pdfBomb(inflated: number): Buffer {
  const stream = deflateSync(Buffer.alloc(inflated, 0x20), { level: 9 });
  const head = Buffer.from(makePdf([['x']]).toString('latin1').replace(/\/Contents \d+ 0 R/, '/Contents 5 0 R'), 'latin1');
  // Appends object 5 (the bomb) after the document; pdf.js finds it through its reconstruction of the table.
  const bomb = Buffer.concat([Buffer.from(`5 0 obj\n<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`, 'latin1'), stream, Buffer.from('\nendstream\nendobj\n', 'latin1')]);
  return Buffer.concat([head, bomb]);
}

async function upload(user: TestUser, name: string, bytes: Buffer, type: string): Promise<string> {
  const uploaded = (await uploadMultipart(server, user.token, { name, bytes, type })).data!.uploadFile;
  expect(uploaded.__typename).toBe('File');
  return uploaded.id;
}

async function settled(user: TestUser, id: string): Promise<Data> {
  return waitFor(async () => {
    const { data } = await server.gql<Data>(FILE, { id }, { token: user.token });
    return ['READY', 'FAILED'].includes(data!.file.status) && data!.file;
  }, 'the file to be processed', 60_000);
}

describe('poison files', () => {
  it('a PDF that inflates past FILE_EXTRACT_MAX_BYTES ends FAILED, read off the main thread, and the API stays responsive', async () => {
    const user = await signUpUser(server, 'Bomber');
    const bomb = pdfBomb(128 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const id = await upload(user, 'bomb.pdf', bomb, 'application/pdf');
    const latencies: number[] = [];
    let file: Data | undefined;
    while (!file) {
      const started = performance.now();
      const { data } = await server.gql<Data>(FILE, { id }, { token: user.token });
      latencies.push(performance.now() - started);
      if (['READY', 'FAILED'].includes(data!.file.status)) file = data!.file;
      else await new Promise((r) => setTimeout(r, 20));
      if (latencies.length > 3000) throw new Error('the file was never processed');
    }
    delay.disable();
    expect(file).toMatchObject({ status: 'FAILED', error: 'The PDF decompresses to more than 8 MB; it was not read' });
    // This process also runs the API: its event loop was never held by the extraction.
    expect(delay.max / 1e6).toBeLessThan(1_000);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    // A normal PDF still reads.
    const fine = await upload(user, 'fine.pdf', makePdf([['Hello from a normal PDF']]), 'application/pdf');
    expect(await settled(user, fine)).toMatchObject({ status: 'READY', error: null });
  }, 90_000);

  it('a file whose extraction needs more than FILE_EXTRACT_MEMORY_MB ends FAILED with a readable error', async () => {
    const user = await signUpUser(server, 'Hungry');
    // 1.5 million distinct cells (12 MB): parsed into rows they need far more than 48 MB of heap.
    const csv = Buffer.from(Array.from({ length: 15_000 }, (_, r) => Array.from({ length: 100 }, (_, c) => `${r}x${c}`).join(',')).join('\n'));
    const id = await upload(user, 'wide.csv', csv, 'text/csv');
    expect(await settled(user, id)).toMatchObject({ status: 'FAILED', error: 'Reading the file needed more than 48 MB of memory; it was stopped' });
  }, 90_000);
});
