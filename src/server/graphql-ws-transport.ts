import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../logger.ts';
import { serialisedResult } from './shared-execution.ts';

/**
 * graphql-ws on a `ws` server: `graphql-ws/use/ws` (its keep-alive and error handling, copied) with
 * one change — a `next` message can be written from the serialised JSON of a shared result
 * (`writeNext`), so one event fanned out to thousands of subscribers is serialised once, not once
 * per socket.
 */

/** What graphql-ws keeps per connection (`ctx.extra`). */
export interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

/** graphql-ws `Next` messages whose payload is this were already written by `writeNext`: not sent again. */
const WRITTEN = { toJSON: () => '\u0000written' };
const WRITTEN_SUFFIX = `"payload":${JSON.stringify(WRITTEN.toJSON())}}`;

/**
 * For graphql-ws's `onNext`: writes `{"id":…,"type":"next","payload":<result JSON>}` around the
 * result's JSON, made once per result object (shared results: once per event). Returns the
 * payload graphql-ws should use: a marker the transport drops, or undefined (results with errors
 * go through graphql-ws's own formatting).
 */
export function writeNext(socket: WebSocket, id: string, result: ExecutionResult): ExecutionResult | undefined {
  const json = serialisedResult(result);
  if (json === undefined) return undefined;
  if (socket.readyState === socket.OPEN) socket.send(`{"id":${JSON.stringify(id)},"type":"next","payload":${json}}`);
  return WRITTEN as unknown as ExecutionResult;
}

/** Serves graphql-ws on `ws` (as `useServer` from `graphql-ws/use/ws`); `keepAlive`: ping interval, ms. */
export function serveGraphqlWs(
  options: ServerOptions<Record<string, unknown> | undefined, Extra>,
  ws: WebSocketServer,
  logger: Logger,
  keepAlive = 12_000,
): void {
  const server = makeServer(options);
  ws.options.handleProtocols = handleProtocols;
  const fail = (socket: WebSocket, error: unknown) => {
    logger.error({ err: error }, 'internal error on a graphql-ws socket');
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };
  ws.once('error', (error) => {
    for (const client of ws.clients) fail(client, error);
  });
  ws.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    socket.once('error', (error) => fail(socket, error));
    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAlive);
      socket.once('pong', () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, keepAlive);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN || data.endsWith(WRITTEN_SUFFIX)) return resolve();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (onMessage) =>
          socket.on('message', async (event) => {
            try {
              await onMessage(String(event));
            } catch (error) {
              fail(socket, error);
            }
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(pingInterval);
      void closed(code, String(reason));
    });
  });
}
