/**
 * The requests bench/data.ts times, each as a client sends it: the web app's own selections
 * (clients/web/src/graphql/*.graphql) over HTTP, and a resumed graphql-ws subscription.
 */
import type { Client } from 'graphql-ws';
import { gql } from './common.ts';

/** One installation under test: its server, the signed-in person and the ids the requests use. */
export interface Installation {
  name: string;
  url: string;
  token: string;
  ws: Client;
  /** The thread with the most messages (20,000 at scale 1 in the large installation). */
  deepThread: string;
  /** Its newest durable event position (Thread.eventCursor), as a number. */
  deepEventSeq: number;
  /** Another thread of the person's, with a teammate in it (sendMessage goes there). */
  otherThread: string;
}

export interface Operation {
  name: string;
  /** Sends the request once; resolves with its latency in ms. Throws on GraphQL errors. */
  run(installation: Installation, at: { i: number; terms: { pinboard: string; files: string } }): Promise<number>;
}

const MESSAGE_FIELDS = `
  id seq body status error authorKind clientMessageId createdAt
  authorUser { id displayName }
  authorTeammate { id name appearance { emoji color } }
  run { id status }
  files { id name size contentType }`;

const THREADS = `query($first: Int!) { threads(first: $first) { edges { node {
  id kind title preview unreadCount lastActivityAt lastSeq leadTeammate { id name appearance { emoji } } } } } }`;

const MESSAGES = `query($id: ID!, $last: Int!, $before: String) { thread(id: $id) { id messages(last: $last, before: $before) {
  edges { node { ${MESSAGE_FIELDS} } } pageInfo { hasPreviousPage startCursor } } } }`;

const PINBOARD = `query($search: String) { pinboard(first: 50, search: $search) { edges { node {
  id slug title excerpt priority pinned tags updatedAt commentCount } } } }`;

const FILES = `query($search: String) { files(first: 100, search: $search) { edges { node {
  id name contentType size status error createdAt viewerCanDelete } } } }`;

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename
  ... on SendMessagePayload { message { ${MESSAGE_FIELDS} } } ... on Error { errorMessage: message } } }`;

const EVENTS = `subscription($id: ID!, $after: String) { threadEvents(threadId: $id, after: $after) {
  __typename ... on MessageEvent { cursor message { id seq body status authorKind } } } }`;

/** Times one HTTP request; checks that it returned what the benchmark expects. */
async function timed(installation: Installation, query: string, variables: Record<string, unknown>, check: (data: any) => boolean): Promise<number> {
  const t0 = performance.now();
  const data = await gql(installation.url, installation.token, query, variables);
  const ms = performance.now() - t0;
  if (!check(data)) throw new Error(`${installation.name}: unexpected answer ${JSON.stringify(data).slice(0, 300)}`);
  return ms;
}

/** Subscribes with a cursor `missed` events back; resolves when the last of them has arrived. */
function resume(installation: Installation, missed: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const t0 = performance.now();
    const dispose = installation.ws.subscribe(
      { query: EVENTS, variables: { id: installation.deepThread, after: String(installation.deepEventSeq - missed) } },
      {
        next: (result) => {
          if (result.errors) return reject(new Error(JSON.stringify(result.errors)));
          received += 1;
          if (received === missed) {
            const ms = performance.now() - t0;
            dispose();
            resolve(ms);
          }
        },
        error: reject,
        complete: () => received < missed && reject(new Error(`${installation.name}: stream ended after ${received} events`)),
      },
    );
  });
}

export const OPERATIONS: Operation[] = [
  {
    name: 'threads (first 30)',
    run: (inst) => timed(inst, THREADS, { first: 30 }, (d) => d.threads.edges.length >= 10),
  },
  {
    name: 'Thread.messages (newest 50)',
    run: (inst) => timed(inst, MESSAGES, { id: inst.deepThread, last: 50 }, (d) => d.thread.messages.edges.length === 50),
  },
  {
    name: 'Thread.messages (deep page)',
    // Cursors of Thread.messages are message seqs: 50 messages before seq 61, near the thread's start.
    run: (inst) => timed(inst, MESSAGES, { id: inst.deepThread, last: 50, before: '61' }, (d) => d.thread.messages.edges[0].node.seq === 11),
  },
  {
    name: 'pinboard(search)',
    run: (inst, { terms }) => timed(inst, PINBOARD, { search: terms.pinboard }, (d) => Array.isArray(d.pinboard.edges)),
  },
  {
    name: 'files(search)',
    run: (inst, { terms }) => timed(inst, FILES, { search: terms.files }, (d) => Array.isArray(d.files.edges)),
  },
  {
    name: 'threadEvents (resume 100)',
    run: (inst) => resume(inst, 100),
  },
  {
    name: 'sendMessage',
    run: (inst, { i }) =>
      timed(inst, SEND, { input: { threadId: inst.otherThread, body: `Benchmark note ${i}: where are we on the launch plan?` } }, (d) => d.sendMessage.__typename === 'SendMessagePayload'),
  },
];
