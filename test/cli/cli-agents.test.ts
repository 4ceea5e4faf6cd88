import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { spawnTmates } from '../helpers/process.ts';
import { TEST_SECRET, type TestServer, useTestServer } from '../helpers/server.ts';
import { gqlAs, type Data } from '../helpers/kit.ts';

let server: TestServer;
useTestServer({ worker: true }, (s) => (server = s));


describe('tmates run', () => {
  it('runs one turn of a teammate on the database and streams it to the terminal (offline model, tools included)', async () => {
    const env = { DATABASE_URL: server.app.databaseUrl, TMATES_SECRET: TEST_SECRET, OFFLINE_CHUNK_DELAY_MS: '5', LOG_LEVEL: 'warn' };
    const email = `cli-${Date.now()}@example.com`;
    const first = spawnTmates(['run', 'noor', '--message', 'remember that the launch is on Friday', '--email', email], env);
    const done = await first.exited;
    expect(first.stderr()).toContain('Noor (Team generalist):');
    expect(done.code).toBe(0);
    expect(first.stdout()).toContain("Noted — I'll remember that.");
    expect(first.stderr()).toContain('[remember] succeeded');

    const second = spawnTmates(['run', 'Noor', '-m', 'What do you remember about the launch?', '--email', email], env);
    expect((await second.exited).code).toBe(0);
    expect(second.stdout()).toContain('the launch is on Friday');

    // A catalog teammate not on the team yet is hired for the turn.
    const third = spawnTmates(['run', 'researcher', '-m', 'Hello there', '--email', email], env);
    expect((await third.exited).code).toBe(0);
    expect(third.stdout()).toMatch(/^Amara here, your research analyst\. \(I'm running on the offline model/);

    const unknown = spawnTmates(['run', 'nobody', '-m', 'Hi', '--email', email], env);
    expect((await unknown.exited).code).toBe(1);
    expect(unknown.stderr()).toContain('no teammate called "nobody"');
  }, 60_000);
});

describe('tmates chat', () => {
  it('chats over graphql-ws: shows history, streams the answers, waits for them when input ends', async () => {
    const user = await signUpUser(server, 'Chatter');
    const chat = spawnTmates(['chat', 'noor', '--url', server.url, '--token', user.token], { LOG_LEVEL: 'warn' }, undefined, { stdin: true });
    await chat.waitFor(/— Noor —/);
    await chat.waitFor(/Noor: Hi! I'm Noor, your team generalist\./); // the history
    chat.child.stdin!.write('Hello from the terminal\n');
    await chat.waitFor(/Noor: Noor here, your team generalist\. .*You wrote: "Hello from the terminal"/);
    chat.child.stdin!.write('/reset\n');
    await chat.waitFor(/Tmates: Chatter started a fresh session: teammates no longer see the messages above\./);
    chat.child.stdin!.write('remember that chats from the terminal work\n');
    chat.child.stdin!.end();
    expect((await chat.exited).code).toBe(0);
    expect(chat.stdout()).toContain("Noor: Noted — I'll remember that.");
    const { teammates } = await gqlAs(server, user, '{ teammates { edges { node { name memories { edges { node { content } } } } } } }');
    const noor = teammates.edges.find((e: Data) => e.node.name === 'Noor').node;
    expect(noor.memories.edges.map((e: Data) => e.node.content)).toContain('chats from the terminal work');
  }, 60_000);

  it('refuses a bad token with a readable error', async () => {
    const chat = spawnTmates(['chat', '--url', server.url, '--token', 'not-a-token'], { LOG_LEVEL: 'warn' });
    const { code } = await chat.exited;
    expect(code).toBe(1);
    expect(chat.stderr()).toMatch(/^tmates: /);
  }, 30_000);
});
