import { describe, expect, it } from 'vitest';
import { spawnTmates } from '../helpers/process.ts';
import { TEST_SECRET, type TestServer, useTestServer } from '../helpers/server.ts';

let server: TestServer;
useTestServer({ worker: true }, (s) => (server = s));

describe('the CLI acts as one person by default', () => {
  it("the README's examples in order: token, run, then chat with that token sees what run stored", async () => {
    const env = { DATABASE_URL: server.app.databaseUrl, TMATES_SECRET: TEST_SECRET, LOG_LEVEL: 'warn', OFFLINE_CHUNK_DELAY_MS: '0' };

    const token = spawnTmates(['token'], env);
    expect((await token.exited).code).toBe(0);
    expect(token.stderr()).toContain('token for you@localhost.localdomain');
    const printed = token.stdout().trim();

    const run = spawnTmates(['run', 'noor', '--message', 'remember that the launch is on Friday'], env);
    expect((await run.exited).code).toBe(0);
    expect(run.stdout()).toContain("Noted — I'll remember that.");

    const chat = spawnTmates(['chat', 'noor', '--url', server.url, '--token', printed], env, undefined, { stdin: true });
    await chat.waitFor(/— Noor —/);
    // The direct thread `run` used is the one `chat` opens: its history shows the turn.
    await chat.waitFor(/Noor: Noted — I'll remember that\./);
    chat.child.stdin!.end('What do you remember about the launch?\n');
    expect((await chat.exited).code).toBe(0);
    expect(chat.stdout()).toMatch(/Noor: .*the launch is on Friday/);
  }, 120_000);
});
