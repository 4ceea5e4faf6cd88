import { createClient, type Client } from 'graphql-ws';
import { waitFor } from '../helpers/kit.ts';
import WebSocket from 'ws';


type Data = Record<string, any>;

/** A graphql-ws client that records how its socket closed. */
export function socketClient(wsUrl: string, connectionParams: Record<string, unknown>): { client: Client; closes: Array<{ code: number; reason: string }> } {
  const closes: Array<{ code: number; reason: string }> = [];
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => closes.push({ code: (event as { code: number }).code, reason: String((event as { reason: string }).reason) }) },
  });
  return { client, closes };
}

export interface SseStream {
  events: Data[];
  text: () => string;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  close(): void;
}

/** Opens a subscription as server-sent events (GraphQL over SSE, distinct connections mode). */
export async function openSse(url: string, token: string, query: string, variables: Data = {}, headers: Record<string, string> = {}): Promise<SseStream & { status: number; headers: Headers }> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  let buffer = '';
  const events: Data[] = [];
  const ended = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (const match of buffer.matchAll(/^data: (.+)$/gm)) {
          try {
            const parsed = JSON.parse(match[1]!);
            if (!events.some((e) => JSON.stringify(e) === JSON.stringify(parsed))) events.push(parsed);
          } catch {
            // a partial line; read on
          }
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return { status: response.status, headers: response.headers, events, text: () => buffer, ended, close: () => controller.abort() };
}

export async function until(predicate: () => boolean, ms = 15_000): Promise<void> {
  await waitFor(predicate, ms);
}
