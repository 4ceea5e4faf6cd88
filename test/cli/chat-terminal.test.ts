import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { spawnTmates } from '../helpers/process.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { spawnInTerminal } from '../helpers/terminal.ts';

let server: TestServer;
// Replies stream a word every 200 ms, so that there is time to type while one is being written.
useTestServer({ worker: true, env: { OFFLINE_CHUNK_DELAY_MS: '200' } }, (s) => (server = s));

/** A port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('tmates chat in a real terminal', () => {
  it('keeps the prompt under a streamed reply; /stop prints the partial reply once, then a prompt; /quit exits', async () => {
    const user = await signUpUser(server, 'Terminal');
    const chat = spawnInTerminal(['chat', 'noor', '--url', server.url, '--token', user.token], {});
    await chat.waitForScreen(/^— Noor —/m);
    await chat.waitForScreen(/\n>$/);

    chat.type('tell me a long story about launches and rockets and everything else\r');
    await chat.waitForScreen(/You\swrote:/);
    // Typed while the reply streams: the text stays on the prompt row, under the reply.
    chat.type('/st');
    await chat.waitForScreen(/You\swrote:\s"tell\sme\sa\slong/);
    chat.type('op\r');
    await chat.waitForScreen(/^ {2}\(stopped\)$/m);
    await chat.waitForScreen(/^Tmates: Stopped Noor as requested\.$/m);
    await chat.waitForScreen(/\n>$/);

    const rows = chat.rows();
    expect(rows.filter((row) => row.includes('Noor here, your team generalist'))).toHaveLength(1);
    expect(rows.filter((row) => row.includes('You wrote'))).toHaveLength(1);
    // (the header names the commands too)
    expect(rows.filter((row) => row.includes('/st') && !row.startsWith('— '))).toEqual(['> /stop']);
    expect(rows.filter((row) => row === '  (stopped)')).toHaveLength(1);
    // The reply (cut short) was not completed: its last words never came.
    expect(rows.join('\n')).not.toMatch(/Try\s"pin/);
    expect(rows.at(-1)).toBe('>');

    chat.type('/quit\r');
    expect(await chat.exited).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('Ctrl-C clears what was typed, then leaves; Ctrl-D on an empty line leaves', async () => {
    const user = await signUpUser(server, 'Keys');
    const first = spawnInTerminal(['chat', '--url', server.url, '--token', user.token], {});
    await first.waitForScreen(/\n>$/);
    first.type('half a thought');
    await first.waitForScreen(/\n> half a thought$/);
    first.type('\x03');
    await first.waitForScreen(/\n>$/);
    first.type('\x03');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const second = spawnInTerminal(['chat', '--url', server.url, '--token', user.token], {});
    await second.waitForScreen(/\n>$/);
    second.type('\x04');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('tmates chat without a server', () => {
  it('fails at once with a clear message when nothing listens on the port', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/graphql`;
    const started = Date.now();
    const chat = spawnTmates(['chat', '--url', url, '--token', 'any'], { LOG_LEVEL: 'warn' });
    const { code } = await chat.exited;
    expect(code).toBe(1);
    expect(chat.stderr()).toBe(
      `tmates: no Tmates server answers at ${url} (connect ECONNREFUSED ${url.slice(7, url.indexOf('/graphql'))}). ` +
        'Start one with `tmates serve` (or `npm start`), or pass --url.\n',
    );
    // No retries with backoff before the first connection (they took about 40 s): the time is
    // the CLI's own start-up, however slow the machine.
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('without a token, says so before minting one (the local database is never started)', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-chat-'));
    try {
      const url = `http://127.0.0.1:${await closedPort()}/graphql`;
      const chat = spawnTmates(['chat', '--url', url], { LOG_LEVEL: 'warn', TMATES_HOME: home });
      expect((await chat.exited).code).toBe(1);
      expect(chat.stderr()).toMatch(/^tmates: no Tmates server answers at http:\/\/127\.0\.0\.1:\d+\/graphql \(connect ECONNREFUSED .*\)\. Start one with/);
      expect(readdirSync(home)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 30_000);

  it('gives up on a server that accepts the connection but never answers', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket)); // accepts, then says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/graphql`;
    try {
      const chat = spawnTmates(['chat', '--url', url, '--token', 'any'], { LOG_LEVEL: 'warn' });
      expect((await chat.exited).code).toBe(1);
      expect(chat.stderr()).toMatch(/^tmates: no Tmates server answers at http:\/\/127\.0\.0\.1:\d+\/graphql \(.*timed out.*\)\. Start one with/);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 30_000);
});
