import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  CliCreateDirectThreadDocument,
  CliRecentMessagesDocument,
  CliResetThreadSessionDocument,
  CliSendMessageDocument,
  CliTeammatesDocument,
  CliThreadEventsDocument,
  CliThreadsDocument,
  CliViewerDocument,
  type CliMessageFragment,
  type CliViewerQuery,
  type CliThreadEventsSubscription,
} from '../../clients/generated/graphql.ts';
import { createChatScreen, type ChatScreen } from './chat-screen.ts';

/**
 * `tmates chat [teammate]`: an interactive terminal client over graphql-ws — the same API and the
 * same generated documents (`clients/operations/cli/`) the apps use. Shows the thread's recent
 * messages, streams teammates' answers as they are written, and sends what you type. `/stop` stops
 * the teammates working in the thread, `/reset` starts a fresh session (teammates forget the
 * conversation so far), `/quit`, Ctrl-D or Ctrl-C leave at once. With piped input, the end of the
 * input waits for the answers to what was sent, then leaves.
 */
export interface ChatOptions {
  url: string;
  token: string;
  /** A teammate's name or handle: chat in your direct thread with them; else the team chat. */
  teammate?: string;
  org?: string;
  output?: NodeJS.WritableStream;
  input?: NodeJS.ReadableStream;
  /** How long to wait for the server to accept the connection, in ms (default 5000). */
  connectTimeoutMs?: number;
}

/** The socket closed with this code: the server refused the token or organisation. */
const FORBIDDEN = 4403;

/** A readable reason why the server could not be reached (or refused us), for the one-line error. */
export function describeConnectionError(error: unknown, url: string): string {
  const event = error as { code?: unknown; reason?: string; message?: string; error?: { code?: string; message?: string } };
  if (typeof event?.code === 'number') {
    if (event.code === FORBIDDEN) return `the server at ${url} refused the token${event.reason ? ` (${event.reason})` : ''}`;
    return `the connection to ${url} closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`;
  }
  const cause = event?.error ?? (error instanceof Error ? (error as Error & { code?: string }) : undefined);
  const code = cause?.code;
  const detail = cause?.message ?? event?.message ?? String(error);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ECONNRESET' || /timed out|timeout/i.test(detail)) {
    return `no Tmates server answers at ${url} (${detail}). Start one with \`tmates serve\` (or \`npm start\`), or pass --url.`;
  }
  return `cannot connect to ${url}: ${detail}`;
}

/**
 * Undefined when something answers HTTP at `url` within `timeoutMs`, else why not (the same words
 * as a failed connection). Lets `chat` say so before it mints a token on the local database.
 */
export async function unreachableServer(url: string, timeoutMs = 5_000): Promise<string | undefined> {
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return describeConnectionError({ error: cause instanceof Error ? cause : (error as Error) }, url);
  }
}

const printed = new WeakMap<object, string>();

/** Runs one query or mutation over the socket and returns its data (errors are thrown). */
async function execute<R, V extends Record<string, unknown>>(client: Client, document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
  const query = printed.get(document) ?? print(document);
  printed.set(document, query);
  const iterator = client.iterate<R>({ query, variables });
  const { value } = await iterator.next();
  await iterator.return?.();
  if (!value) throw new Error('no answer from the server');
  if (value.errors?.length) throw new Error(value.errors.map((e: { message: string }) => e.message).join('; '));
  return value.data!;
}

async function findThread(client: Client, teammate: string | undefined): Promise<{ id: string; title: string }> {
  if (!teammate) {
    const { threads } = await execute(client, CliThreadsDocument, {});
    const chat = threads.edges.map((e) => e.node).find((t) => t.isDefault) ?? threads.edges[0]?.node;
    if (!chat) throw new Error('you have no threads yet');
    return { id: chat.id, title: chat.title ?? 'Team chat' };
  }
  const { teammates } = await execute(client, CliTeammatesDocument, {});
  const wanted = teammate.replace(/^@/, '').toLowerCase();
  const found = teammates.edges
    .map((e) => e.node)
    .find((t) => t.status === 'HIRED' && (t.handle === wanted || t.name.toLowerCase() === wanted));
  if (!found) throw new Error(`no teammate called "${teammate}" on your team`);
  const { createThread } = await execute(client, CliCreateDirectThreadDocument, { teammateId: found.id });
  if (createThread.__typename !== 'CreateThreadPayload') throw new Error('message' in createThread ? createThread.message : 'no thread');
  return { id: createThread.thread.id, title: found.name };
}

/** What the screen shows of each message, so that replays and repeated events print nothing twice. */
interface Shown {
  name: string;
  length: number;
  ended: boolean;
}

/**
 * Turns thread events into text on the screen. A message's text is printed once, as it grows;
 * a message that ended (complete, failed or stopped) is never printed again.
 */
function createTranscript(screen: ChatScreen) {
  const messages = new Map<string, Shown>();
  let open: string | undefined; // the message whose text ends the screen's current line

  function append(id: string, shown: Shown, text: string) {
    if (open !== id) {
      screen.endLine();
      screen.print(`${shown.name}: `);
      open = id;
    }
    screen.print(text);
    shown.length += text.length;
  }

  return {
    /** A message as it is now (from history or a MessageEvent). */
    message(m: CliMessageFragment) {
      let shown = messages.get(m.id);
      if (!shown) {
        shown = { name: m.authorTeammate?.name ?? m.authorUser?.displayName ?? 'Tmates', length: 0, ended: false };
        messages.set(m.id, shown);
      }
      if (shown.ended) return;
      if (m.body.length > shown.length || (shown.length === 0 && open !== m.id)) append(m.id, shown, m.body.slice(shown.length));
      if (m.status === 'STREAMING' || m.status === 'PENDING') return;
      if (m.status === 'FAILED') append(m.id, shown, `\n  (failed: ${m.error ?? 'unknown error'})`);
      if (m.status === 'CANCELLED') append(m.id, shown, '\n  (stopped)');
      if (m.finishReason === 'LENGTH') append(m.id, shown, '\n  (cut off at the model’s length limit; type "continue" for the rest)');
      shown.ended = true;
      screen.endLine();
      open = undefined;
    },
    /** Streamed text of a message being written. */
    delta(messageId: string, delta: string, offset: number) {
      const shown = messages.get(messageId);
      if (!shown || shown.ended || offset > shown.length || offset + delta.length <= shown.length) return;
      append(messageId, shown, delta.slice(shown.length - offset));
    },
    /** Marks a message as already on screen (what we typed ourselves). */
    skip(id: string) {
      messages.set(id, { name: '', length: 0, ended: true });
    },
  };
}

export async function runChatCommand(options: ChatOptions): Promise<number> {
  const url = options.url.replace(/^http/, 'ws');
  const connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
  let connected = false;
  let reconnecting = false;
  let leaving = false;
  let lastSocketError: unknown;
  let screen: ChatScreen | undefined;
  // ws gives up on a server that accepts TCP but never answers the upgrade after handshakeTimeout.
  class TimedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { handshakeTimeout: connectTimeoutMs });
    }
  }
  const client = createClient({
    url,
    webSocketImpl: TimedWebSocket,
    connectionParams: { token: options.token, ...(options.org ? { org: options.org } : {}) },
    connectionAckWaitTimeout: connectTimeoutMs,
    retryAttempts: 5,
    // Until the first connection, a failure is reported at once (no server, wrong URL); afterwards
    // network blips are retried. A refused token (4403) never becomes valid by retrying.
    shouldRetry: (event) => connected && (event as { code?: number }).code !== FORBIDDEN,
    on: {
      connected: () => {
        connected = true;
        if (reconnecting) screen?.print('(reconnected)\n');
        reconnecting = false;
      },
      closed: (event) => {
        // 1000: the client closed an idle socket itself (it is lazy); anything else is a loss.
        if (!connected || leaving || reconnecting || (event as { code?: number }).code === 1000) return;
        reconnecting = true;
        screen?.endLine();
        screen?.print('(connection lost, reconnecting…)\n');
      },
      error: (error) => (lastSocketError = error),
    },
  });
  try {
    let viewer: CliViewerQuery['viewer'];
    try {
      ({ viewer } = await execute(client, CliViewerDocument, {}));
    } catch (error) {
      if (connected) throw error;
      throw new Error(describeConnectionError((error as { code?: unknown }).code === FORBIDDEN ? error : (lastSocketError ?? error), options.url));
    }
    if (!viewer) throw new Error('the server did not accept the token');
    const me = viewer.user.id;
    const { id: threadId, title } = await findThread(client, options.teammate);
    const { thread } = await execute(client, CliRecentMessagesDocument, { threadId });
    if (!thread) throw new Error('the thread is gone');

    let lost: string | undefined; // why the subscription ended, when the server went away
    let quit: () => void = () => {};
    const quitting = new Promise<void>((resolve) => (quit = resolve));
    screen = createChatScreen({ input: options.input ?? process.stdin, output: options.output ?? process.stdout, onInterrupt: () => quit() });
    const transcript = createTranscript(screen);
    screen.print(`— ${title} — (/stop stops the teammates, /reset starts a fresh session, /quit leaves)\n`);
    for (const { node } of thread.messages.edges) transcript.message(node);

    const open = new Set<string>(); // runs started by what we sent and not finished yet
    const ended = new Set<string>(); // finished runs (a fast answer can end before sendMessage returns)
    let idle: () => void = () => {};
    const settled = () => open.size === 0 && idle();
    const onEvent = (e: CliThreadEventsSubscription['threadEvents']) => {
      if (e.__typename === 'MessageEvent') {
        if (e.message.authorUser?.id === me) transcript.skip(e.message.id); // our own words are on screen already
        else transcript.message(e.message);
      } else if (e.__typename === 'MessageDeltaEvent') {
        transcript.delta(e.messageId, e.delta, e.offset);
      } else if (e.__typename === 'RunEvent' && ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(e.status)) {
        ended.add(e.run.id);
        open.delete(e.run.id);
        settled();
      }
    };
    // From the history's cursor on: nothing written in between is missed, and a replay after a
    // reconnection prints nothing twice (the transcript knows what it showed).
    const unsubscribe = client.subscribe<CliThreadEventsSubscription>(
      { query: print(CliThreadEventsDocument), variables: { threadId, after: thread.eventCursor } },
      {
        next: ({ data }) => data?.threadEvents && onEvent(data.threadEvents),
        error: (error) => {
          lost = describeConnectionError(error, options.url);
          quit();
        },
        complete: () => undefined,
      },
    );

    const lines = screen.lines()[Symbol.asyncIterator]();
    let leaveNow = false;
    for (;;) {
      const next = await Promise.race([lines.next(), quitting.then(() => 'quit' as const)]);
      if (next === 'quit') {
        leaveNow = true;
        break;
      }
      if (next.done) {
        // The end of piped input waits for the answers; a person pressing Ctrl-D leaves at once.
        leaveNow = screen.interactive;
        break;
      }
      const line = next.value.trim();
      if (!line) continue;
      if (line === '/quit' || line === '/exit') {
        leaveNow = true;
        break;
      }
      try {
        if (line === '/reset') {
          // The system message that marks the new session arrives as a thread event.
          const { resetThreadSession } = await execute(client, CliResetThreadSessionDocument, { threadId });
          if ('message' in resetThreadSession) screen.print(`(not reset: ${resetThreadSession.message})\n`);
          continue;
        }
        const body = line === '/stop' ? 'stop' : line;
        const { sendMessage } = await execute(client, CliSendMessageDocument, {
          input: { threadId, body, clientMessageId: randomUUID() },
        });
        if (sendMessage.__typename !== 'SendMessagePayload') screen.print(`(not sent: ${sendMessage.message})\n`);
        else for (const run of sendMessage.runs) if (!ended.has(run.id) && (run.status === 'QUEUED' || run.status === 'RUNNING')) open.add(run.id);
      } catch (error) {
        screen.print(`(failed: ${(error as Error).message})\n`);
      }
    }
    await lines.return?.();
    if (!leaveNow) {
      await Promise.race([
        new Promise<void>((resolve) => {
          idle = resolve;
          settled();
        }),
        quitting,
      ]);
    }
    unsubscribe();
    if (lost) throw new Error(`connection lost: ${lost}`);
    screen.endLine();
    return 0;
  } catch (error) {
    screen?.endLine();
    screen?.close(); // the message goes under the conversation, not onto the prompt
    process.stderr.write(`tmates: ${(error as Error).message}\n`);
    return 1;
  } finally {
    leaving = true;
    screen?.close();
    await client.dispose();
  }
}
