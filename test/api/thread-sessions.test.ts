import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, runOf, send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import type { TestServer } from '../helpers/server.ts';
import { gqlAs, waitFor, type Data } from '../helpers/kit.ts';

const model = useServerWithFakeModel();
let fake: FakeOpenAI;
let server: TestServer;
beforeAll(() => {
  ({ fake, server } = model);
});


const RESET = `mutation($input: ResetThreadSessionInput!) {
  resetThreadSession(input: $input) {
    __typename
    ... on ResetThreadSessionPayload { forgottenNotes stoppedRuns message { seq body authorKind } thread { sessionStartSeq lastSeq } }
    ... on Error { errorMessage: message }
  }
}`;

/** Everything the model was sent in one request, as one string. */
const promptText = (request: Data) => request.messages.map((m: Data) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');

describe('resetThreadSession', () => {
  it('starts teammates fresh: earlier messages, thread notes and summaries are gone from the prompt; general notes stay', async () => {
    const user = await signUpUser(server, 'Resetter');
    const thread = await directThreadOf(server, user);
    fake.enqueue(
      {
        kind: 'tools',
        calls: [
          { name: 'remember', arguments: JSON.stringify({ content: 'The launch code word is PELICAN', thread_only: true }) },
          { name: 'remember', arguments: JSON.stringify({ content: 'Resetter likes short answers' }) },
        ],
      },
      { kind: 'text', chunks: ['Noted.'] },
    );
    const first = await send(server, user, thread, 'Remember: our code word is PELICAN.');
    expect((await waitForRun(server, user, first.runs[0].id)).status).toBe('SUCCEEDED');

    const reset = (await gqlAs(server, user, RESET, { input: { threadId: thread } })).resetThreadSession;
    expect(reset).toMatchObject({
      __typename: 'ResetThreadSessionPayload',
      forgottenNotes: 1,
      stoppedRuns: 0,
      message: { authorKind: 'SYSTEM', body: 'Resetter started a fresh session: teammates no longer see the messages above and have forgotten 1 note about this thread.' },
    });
    expect(reset.thread.sessionStartSeq).toBe(reset.message.seq);
    expect(reset.thread.lastSeq).toBe(reset.message.seq);

    // The teammate's memory keeps the general note only.
    const { teammates } = await gqlAs(server, user, '{ teammates { edges { node { name memories { edges { node { content } } } } } } }');
    const noor = teammates.edges.find((e: Data) => e.node.name === 'Noor').node;
    expect(noor.memories.edges.map((e: Data) => e.node.content)).toEqual(['Resetter likes short answers']);

    // The next turn sees only the new session; thread_history cannot reach back either.
    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'thread_history', arguments: JSON.stringify({ contains: 'PELICAN' }) }] },
      { kind: 'text', chunks: ['I do not know a code word.'] },
    );
    const before = fake.requests.length;
    const next = await send(server, user, thread, 'What is the code word?');
    const run = await waitForRun(server, user, next.runs[0].id);
    expect(run.status).toBe('SUCCEEDED');
    const prompt = promptText(fake.requests[before]!);
    expect(prompt).toContain('What is the code word?');
    expect(prompt).toContain('Resetter likes short answers');
    expect(prompt).not.toContain('PELICAN');
    expect(prompt).not.toContain('Noted.');
    expect(run.steps).toMatchObject([{ toolName: 'thread_history', status: 'SUCCEEDED', output: { summary: 'No such messages.' } }]);

    // People still see the whole history.
    const { node } = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(first: 20) { edges { node { body } } } } } }', { id: thread });
    expect(node.messages.edges.map((e: Data) => e.node.body)).toContain('Remember: our code word is PELICAN.');
  });

  it('stops a reply being written from the old session', async () => {
    const user = await signUpUser(server, 'Interrupter');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'endless', intervalMs: 30 });
    const aborted = fake.abortedStreams;
    const sent = await send(server, user, thread, 'Tell me a very long story.');
    await waitForRun(server, user, sent.runs[0].id, ['RUNNING']);
    const reset = (await gqlAs(server, user, RESET, { input: { threadId: thread } })).resetThreadSession;
    expect(reset).toMatchObject({ __typename: 'ResetThreadSessionPayload', stoppedRuns: 1, forgottenNotes: 0 });
    expect(reset.message.body).toBe('Interrupter started a fresh session: teammates no longer see the messages above.');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run).toMatchObject({ status: 'CANCELLED', error: 'The session was reset' });
    // The worker writing the reply ends it: its final text and CANCELLED in one write, moments later.
    await waitFor(async () => (await runOf(server, user, sent.runs[0].id)).reply.status === 'CANCELLED', 'the reply to end');
    await waitFor(() => fake.abortedStreams > aborted); // the model request was aborted, not left running
    expect((await runOf(server, user, sent.runs[0].id)).status).toBe('CANCELLED');
  });

  it('is refused for a thread of someone else, an archived thread and a malformed id', async () => {
    const owner = await signUpUser(server, 'Owner');
    const stranger = await signUpUser(server, 'Stranger');
    const thread = await directThreadOf(server, owner);
    const foreign = (await gqlAs(server, stranger, RESET, { input: { threadId: thread } })).resetThreadSession;
    expect(foreign).toMatchObject({ __typename: 'NotFoundError' });
    const { node } = await gqlAs(server, owner, 'query($id: ID!) { node(id: $id) { ... on Thread { sessionStartSeq lastSeq } } }', { id: thread });
    expect(node.sessionStartSeq).toBe(0); // nothing happened

    await gqlAs(server, owner, 'mutation($id: ID!) { updateThread(input: { threadId: $id, archived: true }) { __typename } }', { id: thread });
    expect((await gqlAs(server, owner, RESET, { input: { threadId: thread } })).resetThreadSession).toMatchObject({ __typename: 'ConflictError' });
    const after = await gqlAs(server, owner, 'query($id: ID!) { node(id: $id) { ... on Thread { sessionStartSeq lastSeq } } }', { id: thread });
    expect(after.node).toEqual(node);

    const malformed = await server.gql(RESET, { input: { threadId: 'not-an-id' } }, { token: owner.token });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
