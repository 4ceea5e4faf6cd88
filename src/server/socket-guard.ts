import { GraphQLError } from 'graphql';
import { credentialsOf } from './create-context.ts';
import type { Viewer } from '../core/viewer.ts';
import type { WebSocket } from 'ws';
import type { Logger } from '../logger.ts';

import { ViewerCache } from './viewer-cache.ts';
import { type AppServices } from '../core/context.ts';
import { watchStream } from './stream-guard.ts';

/** Close codes of graphql-ws sockets refused or ended by the guard. */
export const CLOSE = {
  /** The credential was refused at connect, or ended while connected. */
  forbidden: 4403,
  /** Too many sockets for this person, or opened too fast (RATE_LIMIT_STREAMS_PER_USER). */
  tooMany: 4429,
  /** The database is unreachable: reconnect with backoff (RFC 6455 "try again later"). */
  tryAgainLater: 1013,
} as const;

interface SocketState {
  /** Why the socket must close once its last operation has ended. */
  closing?: { code: number; reason: string };
}

/**
 * The WebSocket side of the limits: at `connection_init` it authenticates, counts the person's open
 * sockets (MAX_SOCKETS_PER_USER, per process), counts the opening against the person's stream rate
 * limit and then watches the connection's credential. When that credential ends (or the database
 * is lost), every subscription ends with its error (stream-guard) and the socket closes, 4403 or
 * 1013, once nothing remains. An internal error never reaches the client: no address, no stack.
 */
export class SocketGuard {
  private readonly perUser = new Map<string, number>();
  private readonly states = new WeakMap<WebSocket, SocketState>();
  private readonly logger: Logger;
  private readonly viewers: ViewerCache;

  constructor(private readonly services: AppServices) {
    this.logger = services.logger.child({ component: 'graphql-ws' });
    this.viewers = new ViewerCache(services);
  }

  /** The viewer of a socket's credentials (shared by its `connection_init` and its operations for a few seconds). */
  viewerFor(input: { headers: Headers; connectionParams?: Record<string, unknown> }): Promise<Viewer | null> {
    return this.viewers.authenticate(credentialsOf(input));
  }

  /** Open sockets of a person in this process (tests, metrics). */
  openSockets(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  /** At `connection_init`: true to acknowledge; false after closing the socket (or for graphql-ws to close it with 4403). */
  async admit(socket: WebSocket, input: { headers: Headers; connectionParams?: Record<string, unknown> }, activeOperations: () => number): Promise<boolean> {
    let viewer: Viewer | null;
    try {
      viewer = await this.viewerFor(input);
    } catch (error) {
      if (error instanceof GraphQLError) return false;
      this.logger.warn({ err: error }, 'could not authenticate a socket; asked it to retry later');
      socket.close(CLOSE.tryAgainLater, 'Service unavailable; try again later');
      return false;
    }
    if (this.services.health && !this.services.health.up) {
      socket.close(CLOSE.tryAgainLater, 'Service unavailable; try again later');
      return false;
    }
    if (viewer) {
      const userId = viewer.user.id;
      const { maxPerUser } = this.services.config.limits.sockets;
      if (this.openSockets(userId) >= maxPerUser) {
        socket.close(CLOSE.tooMany, `At most ${maxPerUser} open sockets per person`);
        return false;
      }
      const refusal = await this.services.rateLimits?.consume(['streams', userId]);
      if (refusal) {
        socket.close(CLOSE.tooMany, `Too many new connections; retry in ${refusal.retryAfterSeconds} s`);
        return false;
      }
      this.perUser.set(userId, this.openSockets(userId) + 1);
      socket.once('close', () => {
        const left = this.openSockets(userId) - 1;
        if (left > 0) this.perUser.set(userId, left);
        else this.perUser.delete(userId);
      });
    }
    const state: SocketState = {};
    this.states.set(socket, state);
    const stop = watchStream(this.services, viewer, (error) => {
      state.closing = error.extensions.retryable
        ? { code: CLOSE.tryAgainLater, reason: 'Service unavailable; try again later' }
        : { code: CLOSE.forbidden, reason: error.message.slice(0, 120) };
      this.closeIfIdle(socket, activeOperations());
    });
    socket.once('close', stop);
    return true;
  }

  /** After an operation of `socket` ended: closes it when its credential ended and nothing remains. */
  closeIfIdle(socket: WebSocket, activeOperations: number): void {
    const closing = this.states.get(socket)?.closing;
    if (closing && activeOperations === 0) socket.close(closing.code, closing.reason);
  }
}
