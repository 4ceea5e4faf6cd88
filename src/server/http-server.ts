import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExecutionArgs } from 'graphql';
import { GraphQLError } from 'graphql';
import { WebSocketServer } from 'ws';
import type { Limits } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import { oversizedListVariable } from './armor.ts';
import { serveGraphqlWs, writeNext } from './graphql-ws-transport.ts';
import type { SocketGuard } from './socket-guard.ts';
import { unavailableError } from './stream-guard.ts';
import { requestIdFrom, type TmatesYoga } from './yoga.ts';

export interface HttpServer {
  server: Server;
  /** The bound port (useful when PORT=0). */
  port: number;
  /** Stops accepting, lets in-flight requests finish until `deadline`, then closes every socket. */
  close(deadline: number): Promise<void>;
  /** graphql-ws connections open right now (for metrics). */
  openWebSockets(): number;
}

/** Close code sent to WebSocket clients when the server goes away (RFC 6455 "going away"). */
const GOING_AWAY = 1001;

/** Active subscriptions one socket may hold; a client that needs more opens another connection. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 100;
const activeOperations = new WeakMap<object, Set<string>>();

const headersOfRequest = new WeakMap<IncomingMessage, Headers>();

/** The upgrade request's headers, made once per socket and shared by its operations (not copied per subscription). */
function upgradeHeaders(request: IncomingMessage): Headers {
  const made = headersOfRequest.get(request);
  if (made) return made;
  const headers = new Headers();
  headersOfRequest.set(request, headers);
  for (const [key, value] of Object.entries(request.headers)) {
    if (typeof value === 'string') headers.set(key, value);
    else if (Array.isArray(value)) for (const v of value) headers.append(key, v);
  }
  return headers;
}

/**
 * One port for everything: Yoga answers HTTP (queries, mutations, SSE, GraphiQL, health) and
 * graphql-ws answers WebSocket upgrades on the same `/graphql` path. Both go through
 * `yoga.getEnveloped`, so they share plugins and the one context factory.
 */
export async function startHttpServer(options: {
  yoga: TmatesYoga;
  host: string;
  port: number;
  logger: Logger;
  /** Authenticates, counts and rate-limits graphql-ws connections, and ends them with their credential. */
  sockets: SocketGuard;
  /** Socket limits: largest message, `connection_init` timeout, list variables. */
  limits: Pick<Limits, 'sockets' | 'graphql'>;
}): Promise<HttpServer> {
  const { yoga, logger } = options;
  const inFlight = new Set<IncomingMessage>();
  const server = createServer((req, res) => {
    // Long-lived SSE streams are not "in flight" work to wait for at shutdown.
    const streaming = req.headers.accept?.includes('text/event-stream');
    if (!streaming) {
      inFlight.add(req);
      res.once('close', () => inFlight.delete(req));
    }
    void yoga.handle(req, res);
  });
  server.keepAliveTimeout = 65_000;

  // maxPayload: a larger frame closes the socket (1009) before it is buffered whole.
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint, maxPayload: options.limits.sockets.maxPayloadBytes });
  const wsLogger = logger.child({ component: 'graphql-ws' });
  serveGraphqlWs(
    {
      connectionInitWaitTimeout: options.limits.sockets.connectionInitTimeoutMs,
      onConnect: (ctx) =>
        options.sockets.admit(
          ctx.extra.socket,
          { headers: upgradeHeaders(ctx.extra.request), connectionParams: ctx.connectionParams },
          () => activeOperations.get(ctx)?.size ?? 0,
        ),
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: async (args) => {
        const result = await (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args);
        // Events execute with their own root value: do not keep this operation's envelop functions alive while it idles.
        args.rootValue = undefined;
        return result as never;
      },
      onSubscribe: async (ctx, id, payload) => {
        let active = activeOperations.get(ctx);
        if (!active) activeOperations.set(ctx, (active = new Set()));
        if (active.size >= MAX_SUBSCRIPTIONS_PER_SOCKET) {
          return [new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} operations per connection`, { extensions: { code: 'TOO_MANY_OPERATIONS' } })];
        }
        const oversized = oversizedListVariable(payload.variables, options.limits.graphql.maxListLength);
        if (oversized) return [oversized];
        active.add(id);
        const headers = upgradeHeaders(ctx.extra.request);
        let viewer;
        try {
          // Credentials are checked again for every operation (expiry and revocation apply
          // mid-connection), through a short-lived cache that credential changes clear at once.
          viewer = await options.sockets.viewerFor({ headers, connectionParams: ctx.connectionParams });
        } catch (error) {
          active.delete(id);
          if (error instanceof GraphQLError) return [error];
          wsLogger.warn({ err: error }, 'could not authenticate an operation');
          return [unavailableError()];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          requestId: requestIdFrom(headers),
          upgradeHeaders: headers,
          connectionParams: ctx.connectionParams,
          req: ctx.extra.request,
          viewer,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as never];
        }
        let contextValue;
        try {
          contextValue = await contextFactory();
        } catch (error) {
          active.delete(id);
          if (error instanceof GraphQLError) return [error];
          // An outage (the database is gone): a retryable error that names nothing internal.
          wsLogger.warn({ err: error }, 'could not start an operation');
          return [unavailableError()];
        }
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
      // A result shared by many subscribers (shared-execution.ts) is serialised once for all their sockets.
      onNext: (ctx, id, _payload, _args, result) => writeNext(ctx.extra.socket, id, result),
      onComplete: (ctx, id) => {
        activeOperations.get(ctx)?.delete(id);
        // Also after an error, once it was sent: a socket whose credential ended closes when nothing remains.
        options.sockets.closeIfIdle(ctx.extra.socket, activeOperations.get(ctx)?.size ?? 0);
      },
      onError: (ctx, id, _payload, errors) => {
        activeOperations.get(ctx)?.delete(id);
        wsLogger.debug({ errors: errors.map((e) => e.message) }, 'operation failed');
      },
    },
    wsServer,
    wsLogger,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: after a restart thousands of clients reconnect at once (the kernel caps it at somaxconn).
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    server,
    port,
    openWebSockets: () => wsServer.clients.size,
    async close(deadline) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const client of wsServer.clients) client.close(GOING_AWAY, 'server shutting down');
      wsServer.close();
      while (inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      if (inFlight.size > 0) logger.warn({ requests: inFlight.size }, 'shutdown deadline reached; closing requests');
      server.closeAllConnections();
      for (const client of wsServer.clients) client.terminate();
      await closed;
      await yoga.dispose();
    },
  };
}
