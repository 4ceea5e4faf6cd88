/**
 * One GraphQL client for the whole app: urql for queries and mutations over HTTP, and one graphql-ws
 * socket for every subscription (viewerEvents, threadEvents, goalEvents). The socket's state drives
 * the "Reconnecting…" banner; it retries forever with capped exponential backoff and jitter.
 */
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { useSyncExternalStore } from 'react';
import type { Session } from './session.ts';

export type SocketState = 'connecting' | 'connected' | 'reconnecting';

const socketListeners = new Set<() => void>();
let socketState: SocketState = 'connecting';
/** Bumped on every (re)connection, so a thread view knows to resume from its last cursor. */
let connectionNumber = 0;

function setSocketState(next: SocketState) {
  if (next === 'connected') connectionNumber += 1;
  socketState = next;
  document.documentElement.dataset.socket = next; // for styling and for tests to observe
  for (const listener of socketListeners) listener();
}

export function useSocketState(): { state: SocketState; connection: number } {
  const state = useSyncExternalStore(
    (l) => (socketListeners.add(l), () => socketListeners.delete(l)),
    () => socketState,
  );
  const connection = useSyncExternalStore(
    (l) => (socketListeners.add(l), () => socketListeners.delete(l)),
    () => connectionNumber,
  );
  return { state, connection };
}

export function authHeaders(s: Session): Record<string, string> {
  return {
    ...(s.token ? { authorization: `Bearer ${s.token}` } : {}),
    ...(s.orgId ? { 'x-tmates-org': s.orgId } : {}),
  };
}

export interface Clients {
  urql: Client;
  ws: WsClient;
  dispose(): void;
}

export function createClients(s: Session): Clients {
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  let disposed = false;
  let everConnected = false;
  setSocketState('connecting');
  const ws = createWsClient({
    url: wsUrl,
    lazy: true,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => !disposed,
    retryWait: (retries) => new Promise((r) => setTimeout(r, Math.min(250 * 2 ** retries, 10_000) + Math.random() * 400)),
    connectionParams: () => ({ ...(s.token ? { authorization: `Bearer ${s.token}` } : {}), ...(s.orgId ? { org: s.orgId } : {}) }),
    on: {
      connected: () => {
        everConnected = true;
        setSocketState('connected');
      },
      // Any close after a first connection (dropped network, server restart) until the next `connected`.
      closed: () => {
        if (!disposed && everConnected && socketState !== 'reconnecting') setSocketState('reconnecting');
      },
      connecting: (isRetry) => {
        if (!disposed && (isRetry || everConnected) && socketState !== 'reconnecting') setSocketState('reconnecting');
      },
    },
  });
  const urql = new Client({
    url: '/graphql',
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
    fetchOptions: () => ({ headers: authHeaders(s) }),
    preferGetMethod: false,
  });
  return {
    urql,
    ws,
    dispose() {
      disposed = true;
      void ws.dispose();
    },
  };
}
