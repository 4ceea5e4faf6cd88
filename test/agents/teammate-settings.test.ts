import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, send, waitForRun } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import { useServerWithFakeModel } from '../helpers/agents.ts';
import type { TestServer } from '../helpers/server.ts';
import { gqlAs, type Data } from '../helpers/kit.ts';

const model = useServerWithFakeModel();
let fake: FakeOpenAI;
let server: TestServer;
beforeAll(() => {
  ({ fake, server } = model);
});

const UPDATE = `mutation($input: UpdateTeammateSettingsInput!) { updateTeammateSettings(input: $input) {
  __typename ... on Teammate { id settings { replyLanguage formality pinSummaries } }
  ... on ValidationError { issues { field message } } ... on Error { message } } }`;
const TEAMMATES = '{ teammates { edges { node { id handle settings { replyLanguage formality pinSummaries } } } } }';

async function noorOf(user: Awaited<ReturnType<typeof signUpUser>>): Promise<Data> {
  const { teammates } = await gqlAs(server, user, TEAMMATES);
  return teammates.edges.map((e: Data) => e.node).find((t: Data) => t.handle === 'starter');
}

describe('per-teammate settings', () => {
  it('start at their defaults, change in part, and reach the prompt', async () => {
    const user = await signUpUser(server, 'Setter');
    const noor = await noorOf(user);
    expect(noor.settings).toEqual({ replyLanguage: null, formality: 'NEUTRAL', pinSummaries: 'NEVER' });

    const first = await gqlAs(server, user, UPDATE, { input: { teammateId: noor.id, settings: { replyLanguage: 'fr', formality: 'FORMAL' } } });
    expect(first.updateTeammateSettings).toMatchObject({ __typename: 'Teammate', settings: { replyLanguage: 'fr', formality: 'FORMAL', pinSummaries: 'NEVER' } });
    // A partial change keeps the rest.
    const second = await gqlAs(server, user, UPDATE, { input: { teammateId: noor.id, settings: { pinSummaries: 'WEEKLY' } } });
    expect(second.updateTeammateSettings.settings).toEqual({ replyLanguage: 'fr', formality: 'FORMAL', pinSummaries: 'WEEKLY' });
    expect((await noorOf(user)).settings).toEqual({ replyLanguage: 'fr', formality: 'FORMAL', pinSummaries: 'WEEKLY' });

    fake.enqueue({ kind: 'text', chunks: ['Bonjour.'] });
    const before = fake.requests.length;
    const thread = await directThreadOf(server, user);
    const sent = await send(server, user, thread, 'Hello there');
    await waitForRun(server, user, sent.runs[0].id);
    const system = fake.requests[before]!.messages[0].content as string;
    expect(system).toContain('## Your settings');
    expect(system).toContain('Reply in the language tagged "fr"');
    expect(system).toContain('Write formally');
    expect(system).toContain('once a week');

    // Back to the defaults: the section disappears from the prompt.
    const reset = await gqlAs(server, user, UPDATE, { input: { teammateId: noor.id, settings: { replyLanguage: null, formality: 'NEUTRAL', pinSummaries: 'NEVER' } } });
    expect(reset.updateTeammateSettings.settings).toEqual({ replyLanguage: null, formality: 'NEUTRAL', pinSummaries: 'NEVER' });
    fake.enqueue({ kind: 'text', chunks: ['Hi.'] });
    const again = fake.requests.length;
    const next = await send(server, user, thread, 'And now?');
    await waitForRun(server, user, next.runs[0].id);
    expect(fake.requests[again]!.messages[0].content).not.toContain('## Your settings');
  });

  it('are validated per teammate: a bad language tag, or summaries for one that cannot pin, change nothing', async () => {
    const user = await signUpUser(server, 'Validator');
    const noor = await noorOf(user);
    const bad = await gqlAs(server, user, UPDATE, { input: { teammateId: noor.id, settings: { replyLanguage: 'not a language!', formality: 'CASUAL' } } });
    expect(bad.updateTeammateSettings.__typename).toBe('ValidationError');
    expect(bad.updateTeammateSettings.issues).toEqual([{ field: 'settings.replyLanguage', message: expect.stringContaining('language tag') }]);
    expect((await noorOf(user)).settings.formality).toBe('NEUTRAL'); // nothing half-written

    // A self-made teammate without pinboard_post may not be told to pin summaries.
    const created = await gqlAs(server, user, `mutation($input: CreateTeammateInput!) { createTeammate(input: $input) { ... on Teammate { id tools } ... on Error { message } } }`, {
      input: { name: 'Quiet', role: 'Note taker', personality: 'Terse.', instructions: 'Takes notes.', tools: [] },
    });
    expect(created.createTeammate.tools).not.toContain('pinboard_post');
    const refused = await gqlAs(server, user, UPDATE, { input: { teammateId: created.createTeammate.id, settings: { pinSummaries: 'DAILY' } } });
    expect(refused.updateTeammateSettings).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'settings.pinSummaries' }] });
    const allowed = await gqlAs(server, user, UPDATE, { input: { teammateId: created.createTeammate.id, settings: { formality: 'CASUAL' } } });
    expect(allowed.updateTeammateSettings.settings).toEqual({ replyLanguage: null, formality: 'CASUAL', pinSummaries: 'NEVER' });
  });

  it('belong to the teammate’s organisation: another person can neither read nor change them', async () => {
    const owner = await signUpUser(server, 'Owner');
    const stranger = await signUpUser(server, 'Stranger');
    const noor = await noorOf(owner);
    const attempt = await gqlAs(server, stranger, UPDATE, { input: { teammateId: noor.id, settings: { formality: 'CASUAL' } } });
    expect(attempt.updateTeammateSettings.__typename).toBe('NotFoundError');
    const read = await gqlAs(server, stranger, 'query($id: ID!) { node(id: $id) { ... on Teammate { settings { formality } } } }', { id: noor.id });
    expect(read.node).toBeNull();
    expect((await noorOf(owner)).settings.formality).toBe('NEUTRAL');
  });
});
