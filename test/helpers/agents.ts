import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { TestUser } from './accounts.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.ts';
import { useTestServer, type TestServer } from './server.ts';
import { gqlAs, waitFor, type Data } from './kit.ts';
import { collect, type Collected } from './subscriptions.ts';

/** Every kind of thread event with the fields agent tests look at. */
export const THREAD_EVENTS = `subscription($id: ID!, $after: String) {
  threadEvents(threadId: $id, after: $after) {
    __typename cursor
    ... on MessageEvent { created message { id seq body status error authorKind authorTeammate { name } run { id } } }
    ... on MessageDeltaEvent { messageId delta offset }
    ... on RunEvent { status run { id teammate { name } } }
  }
}`;

export const SEND = `mutation($input: SendMessageInput!) {
  sendMessage(input: $input) {
    __typename
    ... on SendMessagePayload { message { id seq } runs { id status teammate { name } } }
    ... on Error { errorMessage: message }
  }
}`;

export const RUN = `query($id: ID!) {
  node(id: $id) {
    ... on Run {
      id kind status error model attempt promptTokens completionTokens totalTokens durationMs input output throughSeq
      teammate { name } parentRun { id } childRuns { id kind status output teammate { name } }
      reply { id body status error }
      steps { position toolName input output error status childRun { id } }
    }
  }
}`;

/** The signed-up person's direct thread with their starter teammate (Noor). */
export async function directThreadOf(server: TestServer, user: TestUser): Promise<string> {
  const { threads } = await gqlAs(server, user, '{ threads { edges { node { id kind } } } }');
  return threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node.id;
}

export async function send(server: TestServer, user: TestUser, threadId: string, body: string, extra: Data = {}): Promise<Data> {
  const data = await gqlAs(server, user, SEND, { input: { threadId, body, ...extra } });
  if (data.sendMessage.__typename !== 'SendMessagePayload') throw new Error(JSON.stringify(data.sendMessage));
  return data.sendMessage;
}

export async function runOf(server: TestServer, user: TestUser, runId: string): Promise<Data> {
  return (await gqlAs(server, user, RUN, { id: runId })).node;
}

/** Waits until a run reaches one of `statuses` (polling through the API), and returns it. */
export async function waitForRun(server: TestServer, user: TestUser, runId: string, statuses = ['SUCCEEDED', 'FAILED', 'CANCELLED'], ms = 20_000): Promise<Data> {
  let run: Data = {};
  return waitFor(async () => {
    run = await runOf(server, user, runId);
    return statuses.includes(run.status) && run;
  }, ms).catch(() => {
    throw new Error(`run ${runId} still ${run.status}`);
  });
}

/** Subscribes to a thread's events and resolves once the server listens. */
export async function watchThread(server: TestServer, user: TestUser, threadId: string, after?: string): Promise<Collected<Data>> {
  const before = server.app.services.bus.listenerCount();
  const sub = collect<Data>(server.wsClient({ token: user.token }), THREAD_EVENTS, { id: threadId, ...(after ? { after } : {}) });
  await waitFor(() => server.app.services.bus.listenerCount() > before || sub.errors.length > 0, 'the server to listen');
  return sub;
}

/** Resolves when an event matching `predicate` has arrived; returns the events so far. */
export async function until(sub: Collected<Data>, predicate: (event: Data) => boolean, ms = 20_000): Promise<Data[]> {
  await waitFor(() => sub.events.some((e) => predicate(e.threadEvents)) || sub.errors.length > 0, 'the event', ms);
  if (sub.errors.length) throw new Error(JSON.stringify(sub.errors));
  return sub.events.map((e) => e.threadEvents);
}

/** The RunEvent that ends run `runId` (SUCCEEDED, FAILED or CANCELLED); it follows the reply's final MessageEvent. */
export const runEndOf = (runId: string) => (e: Data) =>
  e.__typename === 'RunEvent' && e.run?.id === runId && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(e.status);

/** The final MessageEvent of a teammate's reply (COMPLETE, FAILED or CANCELLED) for `runId`. */
export const finalReplyOf = (runId: string) => (e: Data) =>
  e.__typename === 'MessageEvent' && e.message.run?.id === runId && ['COMPLETE', 'FAILED', 'CANCELLED'].includes(e.message.status);

/**
 * For a test file: the OpenAI-wire fake model and a real server (with a worker) that uses it, files
 * kept in a temporary TMATES_HOME. The returned object is filled in before the file's tests run.
 */
export function useServerWithFakeModel(env: Record<string, string> = {}): { fake: FakeOpenAI; server: TestServer } {
  const state = {} as { fake: FakeOpenAI; server: TestServer };
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-model-'));
  beforeAll(async () => {
    state.fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await state.fake?.close();
    rmSync(home, { recursive: true, force: true });
  });
  useTestServer(
    () => ({ worker: true, env: { OPENAI_BASE_URL: state.fake.baseUrl, OPENAI_API_KEY: 'test-key', TMATES_HOME: home, ...env } }),
    (server) => (state.server = server),
  );
  return state;
}
