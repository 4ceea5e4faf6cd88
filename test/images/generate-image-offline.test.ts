import { mkdtempSync, rmSync } from 'node:fs';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { send, waitForRun } from '../helpers/agents.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { collect } from '../helpers/subscriptions.ts';

/** The offline model draws a deterministic SVG with `generate_image`; the illustrator has the tool by default. */
let server: TestServer;
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-images-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
useTestServer({ worker: true, env: { TMATES_HOME: home } }, (s) => (server = s));

type Data = Record<string, any>;
const FILES_OF_RUN = `query($id: ID!) { node(id: $id) { ... on Run { reply { id files { id name contentType status createdByTeammate { name } generatedBy { id } downloadUrl } } steps { toolName status input } } } }`;

async function illustratorThread(user: Parameters<typeof gqlAs>[1]): Promise<string> {
  const id = (await gqlAs(server, user, 'mutation { hireTeammate(input: { catalogKey: "illustrator" }) { ... on Teammate { id } } }')).hireTeammate.id;
  return (await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: DIRECT, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', { t: [id] })).createThread.thread.id;
}

describe('generate_image with the offline model', () => {
  it('draws the same SVG for the same prompt, saves it as a READY file made by the run, attached to the reply', async () => {
    const user = await signUpUser(server, 'Painter');
    const thread = await illustratorThread(user);
    const events = collect<Data>(server.wsClient({ token: user.token }), 'subscription { viewerEvents { __typename ... on FileEvent { change fileId file { name status } } } }');
    await waitFor(() => server.app.services.bus.listenerCount() > 0);

    const first = await waitForRun(server, user, (await send(server, user, thread, 'Draw a lighthouse at dusk')).runs[0].id);
    expect(first.status).toBe('SUCCEEDED');
    expect(first.steps).toMatchObject([{ toolName: 'generate_image', status: 'SUCCEEDED', input: { prompt: 'a lighthouse at dusk' } }]);
    expect(first.reply.body).toMatch(/^Here is what I drew/);
    const { node } = await gqlAs(server, user, FILES_OF_RUN, { id: first.id });
    expect(node.reply.files).toHaveLength(1);
    const file = node.reply.files[0];
    expect(file).toMatchObject({ name: 'a-lighthouse-at-dusk.svg', contentType: 'image/svg+xml', createdByTeammate: { name: 'Inés' }, generatedBy: { id: first.id } });
    await waitFor(() => events.events.some((e) => e.viewerEvents.fileId === file.id && e.viewerEvents.change === 'READY'), 20_000);
    const svg = await (await fetch(file.downloadUrl)).text();
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1024" height="1024"/);
    expect(svg).toContain('a lighthouse at dusk');
    expect(svg).not.toMatch(/<script|href=/i);

    // Deterministic: the same prompt draws the same bytes.
    const second = await waitForRun(server, user, (await send(server, user, thread, 'Draw a lighthouse at dusk')).runs[0].id);
    const again = (await gqlAs(server, user, FILES_OF_RUN, { id: second.id })).node.reply.files[0];
    expect(again.id).not.toBe(file.id);
    expect(await (await fetch(again.downloadUrl)).text()).toBe(svg);

    // Another organisation sees neither the file nor which run made it.
    const stranger = await signUpUser(server, 'Stranger');
    expect((await gqlAs(server, stranger, 'query($id: ID!) { node(id: $id) { id } }', { id: file.id })).node).toBeNull();
    expect((await gqlAs(server, stranger, 'query($id: ID!) { node(id: $id) { id } }', { id: first.id })).node).toBeNull();
    events.stop();
  }, 60_000);
});
