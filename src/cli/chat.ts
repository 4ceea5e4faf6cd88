import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/**
 * `tmates chat [teammate]`: an interactive terminal client over graphql-ws — the same API the apps
 * use. Shows the thread's recent messages, streams teammates' answers as they are written, and
 * sends what you type. `/stop` stops the teammates working in the thread, `/reset` starts a fresh
 * session (teammates forget the conversation so far), `/quit` (or Ctrl-D once the answers are in) leaves.
 */
export interface ChatOptions {
  url: string;
  token: string;
  /** A teammate's name or handle: chat in your direct thread with them; else the team chat. */
  teammate?: string;
  org?: string;
  output?: NodeJS.WritableStream;
  input?: NodeJS.ReadableStream;
}

type Data = Record<string, any>;

const EVENTS = `subscription($id: ID!) {
  threadEvents(threadId: $id) {
    __typename
    ... on MessageEvent { created message { id body status error finishReason authorKind authorUser { id displayName } authorTeammate { name } } }
    ... on MessageDeltaEvent { messageId delta offset }
    ... on RunEvent { status run { id teammate { name } } }
  }
}`;

async function execute(client: Client, query: string, variables: Data = {}): Promise<Data> {
  const iterator = client.iterate<Data>({ query, variables });
  const { value } = await iterator.next();
  await iterator.return?.();
  if (!value) throw new Error('no answer from the server');
  if (value.errors?.length) throw new Error(value.errors.map((e: { message: string }) => e.message).join('; '));
  return value.data!;
}

async function findThread(client: Client, teammate: string | undefined): Promise<{ id: string; title: string }> {
  if (!teammate) {
    const { threads } = await execute(client, '{ threads(first: 100) { edges { node { id title isDefault } } } }');
    const chat = threads.edges.map((e: Data) => e.node).find((t: Data) => t.isDefault) ?? threads.edges[0]?.node;
    if (!chat) throw new Error('you have no threads yet');
    return { id: chat.id, title: chat.title ?? 'Team chat' };
  }
  const { teammates } = await execute(client, '{ teammates(first: 100) { edges { node { id name handle status } } } }');
  const wanted = teammate.replace(/^@/, '').toLowerCase();
  const found = teammates.edges
    .map((e: Data) => e.node)
    .find((t: Data) => t.status === 'HIRED' && (t.handle === wanted || t.name.toLowerCase() === wanted));
  if (!found) throw new Error(`no teammate called "${teammate}" on your team`);
  const { createThread } = await execute(
    client,
    'mutation($t: [ID!]!) { createThread(input: { kind: DIRECT, teammateIds: $t }) { __typename ... on CreateThreadPayload { thread { id } } ... on Error { message } } }',
    { t: [found.id] },
  );
  if (!createThread.thread) throw new Error(createThread.message);
  return { id: createThread.thread.id, title: found.name };
}

export async function runChatCommand(options: ChatOptions): Promise<number> {
  const out = options.output ?? process.stdout;
  const write = (text: string) => out.write(text);
  const client = createClient({
    url: options.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { token: options.token, ...(options.org ? { org: options.org } : {}) },
    retryAttempts: 5,
    // A refused token (4403) will not become valid by retrying; network blips are retried.
    shouldRetry: (event) => (event as { code?: number }).code !== 4403,
  });
  try {
    const { viewer } = await execute(client, '{ viewer { user { id displayName } } }');
    const me = viewer.user.id as string;
    const thread = await findThread(client, options.teammate);
    const { node } = await execute(
      client,
      'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 10) { edges { node { body authorKind authorUser { displayName } authorTeammate { name } } } } } } }',
      { id: thread.id },
    );
    write(`— ${thread.title} — (/stop stops the teammates, /reset starts a fresh session, /quit leaves)\n`);
    for (const { node: m } of node.messages.edges) write(`${m.authorTeammate?.name ?? m.authorUser?.displayName ?? 'Tmates'}: ${m.body}\n`);

    const open = new Set<string>(); // runs started by what we sent and not finished yet
    const ended = new Set<string>(); // finished runs (a fast answer can end before sendMessage returns)
    const written = new Map<string, number>(); // streaming message → characters shown
    let idle: () => void = () => {};
    const settled = () => open.size === 0 && idle();
    const unsubscribe = client.subscribe<Data>(
      { query: EVENTS, variables: { id: thread.id } },
      {
        next: ({ data }) => {
          const e = data?.threadEvents;
          if (!e) return;
          if (e.__typename === 'MessageEvent') {
            const m = e.message;
            if (m.authorUser?.id === me) return; // our own words are already on screen
            const name = m.authorTeammate?.name ?? m.authorUser?.displayName ?? 'Tmates';
            if (m.status === 'STREAMING') {
              if (!written.has(m.id)) {
                write(`${name}: `);
                written.set(m.id, 0);
              }
              const shown = written.get(m.id)!;
              if (m.body.length > shown) {
                write(m.body.slice(shown));
                written.set(m.id, m.body.length);
              }
              return;
            }
            const shown = written.get(m.id);
            if (shown === undefined) write(`${name}: ${m.body}`);
            else if (m.body.length > shown) write(m.body.slice(shown));
            if (m.status === 'FAILED') write(`\n  (failed: ${m.error ?? 'unknown error'})`);
            if (m.status === 'CANCELLED') write('\n  (stopped)');
            if (m.finishReason === 'LENGTH') write('\n  (cut off at the model’s length limit; type "continue" for the rest)');
            written.delete(m.id);
            write('\n');
          } else if (e.__typename === 'MessageDeltaEvent') {
            const shown = written.get(e.messageId);
            if (shown === undefined || e.offset + e.delta.length <= shown || e.offset > shown) return;
            write(e.delta.slice(shown - e.offset));
            written.set(e.messageId, e.offset + e.delta.length);
          } else if (e.__typename === 'RunEvent' && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(e.status)) {
            ended.add(e.run.id);
            open.delete(e.run.id);
            settled();
          }
        },
        error: (error) => write(`\n(connection lost: ${error instanceof Error ? error.message : JSON.stringify(error)})\n`),
        complete: () => undefined,
      },
    );

    const lines = readline.createInterface({ input: options.input ?? process.stdin, terminal: false });
    for await (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      if (line === '/quit' || line === '/exit') break;
      if (line === '/reset') {
        // The system message that marks the new session arrives as a thread event.
        const { resetThreadSession } = await execute(
          client,
          'mutation($input: ResetThreadSessionInput!) { resetThreadSession(input: $input) { __typename ... on Error { message } } }',
          { input: { threadId: thread.id } },
        );
        if (resetThreadSession.__typename !== 'ResetThreadSessionPayload') write(`(not reset: ${resetThreadSession.message})\n`);
        continue;
      }
      const body = line === '/stop' ? 'stop' : line;
      const { sendMessage } = await execute(
        client,
        'mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on SendMessagePayload { runs { id status } } ... on Error { message } } }',
        { input: { threadId: thread.id, body, clientMessageId: randomUUID() } },
      );
      if (sendMessage.__typename !== 'SendMessagePayload') write(`(not sent: ${sendMessage.message})\n`);
      else for (const run of sendMessage.runs) if (!ended.has(run.id) && (run.status === 'QUEUED' || run.status === 'RUNNING')) open.add(run.id);
    }
    // Input ended: wait for the answers to what we sent, then leave.
    await new Promise<void>((resolve) => {
      idle = resolve;
      settled();
    });
    unsubscribe();
    return 0;
  } catch (error) {
    process.stderr.write(`tmates: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await client.dispose();
  }
}
