import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.ts';
import WebSocket from 'ws';
import { startApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/config.ts';
import type { TaskDefinition } from '../../src/jobs/define-task.ts';
import { createLogger } from '../../src/logger.ts';
import type { AppServices } from '../../src/core/context.ts';

/** Signs built-in tokens in tests (so a test can also forge expired or foreign ones). */
export const TEST_SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface TestServer {
  app: App;
  url: string;
  wsUrl: string;
  /** POSTs one operation to the real HTTP endpoint. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { token?: string; headers?: Record<string, string> },
  ): Promise<GraphQLResponse<T> & { status: number; headers: Headers }>;
  /** A graphql-ws client (the library's own) connected to this server; disposed when the server stops. */
  wsClient(connectionParams?: Record<string, unknown>, options?: { lazy?: boolean }): Client;
  stop(): Promise<void>;
}

/**
 * The graphql-ws client (the library's own, over `ws`) for a `ws://…/graphql` URL: no retries, and
 * lazy (it connects on the first operation) unless `lazy: false` keeps one socket open from the start.
 */
export function wsClientTo(url: string, connectionParams?: Record<string, unknown>, options: { lazy?: boolean } = {}): Client {
  return createClient({ url, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: options.lazy ?? true });
}

/** Starts the real server (HTTP + graphql-ws, optionally the worker) on a random port. */
export async function startTestServer(options: {
  databaseUrl: string;
  env?: Record<string, string>;
  worker?: boolean;
  tasks?: readonly TaskDefinition<AppServices>[];
  onQuery?: (sql: string) => void;
}): Promise<TestServer> {
  const config = parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    NODE_ENV: 'test',
    SHUTDOWN_TIMEOUT_MS: '3000',
    TMATES_SECRET: TEST_SECRET,
    OFFLINE_CHUNK_DELAY_MS: '0',
    ...options.env,
    DATABASE_URL: options.databaseUrl,
  });
  const logger = createLogger(config.logLevel);
  const app = await startApp({
    config,
    logger,
    http: true,
    worker: options.worker ?? false,
    tasks: options.tasks,
    onQuery: options.onQuery,
  });
  const url = `http://127.0.0.1:${app.http!.port}/graphql`;
  const wsUrl = url.replace('http', 'ws');
  const clients: Client[] = [];
  return {
    app,
    url,
    wsUrl,
    async gql(query, variables, opts = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as GraphQLResponse<never>;
      return { ...body, status: response.status, headers: response.headers };
    },
    wsClient(connectionParams, options) {
      const client = wsClientTo(wsUrl, connectionParams, options);
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.stop('test finished');
    },
  };
}

/** Runs one query/mutation over graphql-ws and returns its single result. */
export async function wsExecute<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const iterator = client.iterate<T>({ query, variables });
  const { value } = await iterator.next();
  await iterator.return?.();
  return value as GraphQLResponse<T>;
}

/**
 * A real server on a database of its own for one test file: started before the file's tests,
 * stopped (and the database dropped) after them. `onReady` receives the server.
 */
export function useTestServer(
  options: Omit<Parameters<typeof startTestServer>[0], 'databaseUrl'> | (() => Omit<Parameters<typeof startTestServer>[0], 'databaseUrl'>),
  onReady: (server: TestServer) => void,
): void {
  let db: TestDatabase | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestServer({ ...(typeof options === 'function' ? options() : options), databaseUrl: db.url });
    onReady(server);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });
}

/** Counts the SQL queries a server runs while `work` runs: pass `onQuery` to the server. */
export function queryCounter() {
  let recording = false;
  let count = 0;
  return {
    onQuery: () => {
      if (recording) count += 1;
    },
    async count<T>(work: () => Promise<T>): Promise<{ result: T; queries: number }> {
      count = 0;
      recording = true;
      try {
        return { result: await work(), queries: count };
      } finally {
        recording = false;
      }
    },
  };
}
