import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Viewer } from '../core/viewer.ts';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { topics, type BusEvent } from '../realtime/events.ts';

import type { AppServices, Context } from '../core/context.ts';
import { rateLimitGraphQLError } from './rate-limits.ts';

/**
 * Live streams (graphql-ws subscriptions and SSE) are checked for their whole life, not only when
 * they start: each one ends, with an error, as soon as
 * - its credential stops being valid: the API key is revoked, the token expires, the password is
 *   changed or the account deleted (`credentials_ended` on the bus, so in every process), or the
 *   person is removed from the organisation (`org_member_removed`): `extensions.credentialEnded`;
 * - the database is lost: a retryable error (`extensions.retryable`), so clients reconnect and
 *   replay from their last cursor.
 * An unexpected error inside a stream reaches the client as a retryable "interrupted" error: its
 * message (which may name internal addresses) goes to the log only.
 */

/** The credential a stream was opened with stopped being valid (graphql-ws then closes with 4403). */
export function credentialEndedError(message: string, code: 'UNAUTHENTICATED' | 'FORBIDDEN' = 'UNAUTHENTICATED'): GraphQLError {
  return new GraphQLError(message, { extensions: { code, credentialEnded: true } });
}

/** The server lost its database: reconnect (with backoff) and resume from the last cursor. */
export function unavailableError(): GraphQLError {
  return new GraphQLError('The service is temporarily unavailable; reconnect and resume from your last cursor', {
    extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
  });
}

function interruptedError(): GraphQLError {
  return new GraphQLError('The stream was interrupted; reconnect and resume from your last cursor', {
    extensions: { code: 'STREAM_INTERRUPTED', retryable: true },
  });
}

const REASONS: Record<string, string> = {
  api_key_revoked: 'This API key was revoked',
  password_changed: 'The password was changed; sign in again',
  account_deleted: 'This account was deleted',
};

/** setTimeout's longest delay; later expiries are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `end` once, with the error to end with, when `viewer`'s credential stops being valid or
 * the database is lost. Returns a function that stops watching.
 */
export function watchStream(services: AppServices, viewer: Viewer | null, end: (error: GraphQLError) => void): () => void {
  const stops: Array<() => void> = [];
  let done = false;
  const stop = () => {
    for (const s of stops.splice(0)) s();
  };
  const finish = (error: GraphQLError) => {
    if (done) return;
    done = true;
    stop();
    end(error);
  };
  const { health } = services;
  if (health) {
    if (!health.up) queueMicrotask(() => finish(unavailableError()));
    const onDown = () => finish(unavailableError());
    health.on('down', onDown);
    stops.push(() => health.off('down', onDown));
  }
  if (!viewer) return stop;
  stops.push(
    services.bus.subscribe(topics.user(viewer.user.id), (event: BusEvent) => {
      if (event.kind !== 'credentials_ended') return;
      if (event.apiKeyId !== undefined && event.apiKeyId !== viewer.apiKeyId) return;
      if (event.via && !event.via.includes(viewer.via)) return;
      finish(credentialEndedError(REASONS[event.reason] ?? 'This credential is no longer valid'));
    }),
    services.bus.subscribe(topics.org(viewer.org.id), (event: BusEvent) => {
      if (event.kind === 'org_member_removed' && event.userId === viewer.user.id) {
        finish(credentialEndedError('You are no longer a member of this organisation', 'FORBIDDEN'));
      }
    }),
  );
  if (viewer.expiresAt) {
    const expiresAt = viewer.expiresAt.getTime();
    let timer: NodeJS.Timeout;
    const arm = () => {
      const left = expiresAt - Date.now();
      if (left <= 0) return finish(credentialEndedError(viewer.via === 'api_key' ? 'This API key expired' : 'Your sign-in expired; sign in again'));
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      timer.unref();
    };
    arm();
    stops.push(() => clearTimeout(timer));
  }
  return stop;
}

/** An error a client may see as it is: ours (no original error), or a GraphQLError wrapping one of ours. */
function isClientError(error: unknown): error is GraphQLError {
  if (!(error instanceof GraphQLError)) return false;
  return !error.originalError || error.originalError instanceof GraphQLError;
}

/**
 * Wraps a stream so that it ends with `watch`'s error as soon as `watch` reports one (even while
 * waiting for the next event), and so that unexpected errors are logged and replaced by a
 * retryable one. `onFinish` runs once, however the stream ends.
 */
export function guardStream<T>(
  source: AsyncIterator<T>,
  watch: (end: (error: GraphQLError) => void) => () => void,
  logger: Logger,
  onFinish: () => void = () => {},
): AsyncIterableIterator<T> {
  let ended: GraphQLError | undefined;
  let reported = false;
  let interrupt: (error: GraphQLError) => void = () => {};
  const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
  interrupted.catch(() => undefined);
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    stopWatching();
    onFinish();
  };
  const stopWatching = watch((error) => {
    ended = error;
    interrupt(error);
    void Promise.resolve(source.return?.()).catch(() => undefined);
  });
  const endWith = (error: GraphQLError): never => {
    finish();
    reported = true;
    throw error;
  };
  return {
    async next() {
      if (reported || finished) return { value: undefined, done: true };
      if (ended) return endWith(ended);
      try {
        const result = await Promise.race([source.next(), interrupted]);
        if (ended) return endWith(ended);
        if (result.done) finish();
        return result;
      } catch (error) {
        if (ended) return endWith(ended);
        if (isClientError(error)) return endWith(error);
        logger.warn({ err: error }, 'a stream failed; the client was told to reconnect');
        return endWith(interruptedError());
      }
    },
    async return() {
      finish();
      await source.return?.();
      return { value: undefined, done: true };
    },
    async throw(error: unknown) {
      finish();
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Open SSE streams per person in this process. */
const sseStreams = new WeakMap<AppServices, Map<string, number>>();

/** Open SSE subscription streams of a person in this process (tests, metrics). */
export function openSseStreams(services: AppServices, userId: string): number {
  return sseStreams.get(services)?.get(userId) ?? 0;
}

function tooManyStreams(max: number): GraphQLError {
  return new GraphQLError(`At most ${max} open streams per person; close one first`, {
    extensions: { code: 'TOO_MANY_STREAMS', http: { status: 429, headers: { 'retry-after': '5' } } },
  });
}

/**
 * The Yoga side of the guard, for every subscription whatever its transport. SSE streams (HTTP)
 * are also counted per person (MAX_SSE_STREAMS_PER_USER) and rate-limited when opened
 * (RATE_LIMIT_STREAMS_PER_USER); WebSockets are counted when they connect (http-server).
 */
export function useStreamGuard(services: AppServices): Plugin {
  const open = new Map<string, number>();
  sseStreams.set(services, open);
  const logger = services.logger.child({ component: 'streams' });
  const { maxSsePerUser } = services.config.limits.sockets;
  return {
    async onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as unknown as Context & { request?: Request };
      const viewer = ctx.viewer;
      const sse = ctx.request !== undefined && viewer !== null;
      if (sse) {
        if ((open.get(viewer.user.id) ?? 0) >= maxSsePerUser) {
          setResultAndStopExecution({ errors: [tooManyStreams(maxSsePerUser)] });
          return;
        }
        const refusal = await services.rateLimits?.consume(['streams', viewer.user.id]);
        if (refusal) {
          setResultAndStopExecution({ errors: [rateLimitGraphQLError(refusal)] });
          return;
        }
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (!(Symbol.asyncIterator in (result as object))) return;
          const iterable = result as AsyncIterable<ExecutionResult>;
          if (sse) open.set(viewer.user.id, (open.get(viewer.user.id) ?? 0) + 1);
          const release = () => {
            if (!sse) return;
            const left = (open.get(viewer.user.id) ?? 1) - 1;
            if (left > 0) open.set(viewer.user.id, left);
            else open.delete(viewer.user.id);
          };
          setResult(guardStream(iterable[Symbol.asyncIterator](), (end) => watchStream(services, viewer, end), logger, release));
        },
      };
    },
  };
}
