import { createHash } from 'node:crypto';
import { contextCacheSymbol } from '@pothos/core';
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Viewer } from '../core/viewer.ts';
import { deliveryOf } from '../realtime/delivery.ts';

/**
 * One execution per event for many subscribers (issue 19).
 *
 * Each subscription keeps its own source stream (its own authorisation, replay, cursor and
 * `mentionsViewer`: src/services/thread-events.ts); what is shared is the GraphQL execution of an
 * event. Subscribers whose results cannot differ get the same result object:
 *  - the same operation: document, operation name and variables;
 *  - the same bus event (its delivery in this process: src/realtime/delivery.ts) and an equal
 *    payload made for it (compared field by field: scalars by value, objects by content) — a
 *    payload made outside a delivery (a replay on subscribe) is executed for its subscriber alone;
 *  - and, when the execution read `context.viewer` (loaders scoped by the viewer, `viewerCan…`
 *    fields, scope checks…), the same viewer: such a result is only shared among subscriptions of
 *    one person with one credential.
 * Whether an execution read the viewer is observed, not declared: every shared execution runs on a
 * fresh copy of the subscriber's context (empty loader caches) whose `viewer` is a getter that
 * records each read. A result that never read it depends only on the operation and the event.
 *
 * Results live in a small cache until 1–2 s after their last use (one event's fan-out, however
 * long it takes under load); the same result object reaches
 * every subscriber, so the graphql-ws transport serialises it once (see `serialisedResult`).
 */

/** Shared results live one to two generations (ms) after their last use… */
const GENERATION_MS = 1_000;
/** …and never longer than this (ms), however slow the fan-out of one event. */
const MAX_AGE_MS = 30_000;

interface SharedExecution {
  result: Promise<ExecutionResult>;
  /** Set while executing: the execution read `context.viewer`. */
  viewerRead: boolean;
  /** Content key of the viewer the execution ran for. */
  viewerKey: string;
  /** When it started (ms since the epoch). */
  startedAt: number;
}

/** Executions, kept for one to two generations. */
class SharedExecutions {
  private current = new Map<string, SharedExecution>();
  private previous = new Map<string, SharedExecution>();
  private timer: NodeJS.Timeout | undefined;

  /** The entry under `key`; one still in use moves to the current generation (a slow fan-out keeps it). */
  get(key: string): SharedExecution | undefined {
    let entry = this.current.get(key);
    if (!entry) {
      entry = this.previous.get(key);
      if (!entry) return undefined;
      this.previous.delete(key);
      this.current.set(key, entry);
    }
    return Date.now() - entry.startedAt <= MAX_AGE_MS ? entry : undefined;
  }

  set(key: string, entry: SharedExecution): void {
    this.current.set(key, entry);
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.previous = this.current;
      this.current = new Map();
      if (this.previous.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }, GENERATION_MS);
    this.timer.unref();
  }
}

const NOT_PLAIN = new Error('not a plain value');
let nextIdentity = 0;
const objectKeys = new WeakMap<object, string>();

/**
 * A key equal for objects of equal content: a hash of their JSON, Dates tagged (a Date and its ISO
 * string are not the same value). Objects that are not plain data (Maps, class instances) are keyed
 * by identity. Cached per object: event payloads are snapshots, never changed after they are made.
 */
function contentKey(value: object): string {
  let key = objectKeys.get(value);
  if (key !== undefined) return key;
  try {
    const json = JSON.stringify(value, function (this: Record<string, unknown>, name, v: unknown) {
      const raw = this[name];
      if (raw instanceof Date) return { $date: v };
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
      }
      if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') throw NOT_PLAIN;
      return v;
    });
    key = createHash('sha1').update(json ?? 'undefined').digest('base64');
  } catch {
    key = `#${(nextIdentity += 1)}`;
  }
  objectKeys.set(value, key);
  return key;
}

/** A key equal for equal event payloads: one level of fields, scalars by value, objects by content. */
export function payloadKey(payload: unknown): string {
  if (payload === null || typeof payload !== 'object') return `${typeof payload}:${String(payload)}`;
  if (Object.getPrototypeOf(payload) !== Object.prototype) return contentKey(payload);
  let key = '';
  for (const [name, value] of Object.entries(payload as Record<string, unknown>)) {
    key += `${name}=`;
    if (value === null || typeof value !== 'object') key += typeof value === 'string' ? JSON.stringify(value) : `${typeof value}:${String(value)}`;
    else key += contentKey(value);
    key += ';';
  }
  return key;
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

/** Same document object (Yoga caches parsed documents by their text), operation name and variables. */
function operationKey(args: ExecutionArgs): string {
  let id = documentIds.get(args.document);
  if (id === undefined) documentIds.set(args.document, (id = (nextDocumentId += 1)));
  return `${id}|${args.operationName ?? ''}|${JSON.stringify(args.variableValues ?? {})}`;
}

function viewerKeyOf(viewer: Viewer | null | undefined): string {
  return viewer ? contentKey(viewer) : 'anonymous';
}

/**
 * A copy of `context` for one execution: empty loader caches (nothing loaded for another event or
 * viewer is reused) and a `viewer` that records whether it was read.
 */
function trackedContext(context: object, entry: SharedExecution): object {
  const copy: Record<PropertyKey, unknown> = {};
  for (const key of Reflect.ownKeys(context)) {
    if (key === contextCacheSymbol || key === 'viewer') continue;
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(context, key)!);
  }
  const viewer = (context as { viewer?: unknown }).viewer;
  Object.defineProperty(copy, 'viewer', {
    enumerable: true,
    get() {
      entry.viewerRead = true;
      return viewer;
    },
  });
  return copy;
}

/** Subscription events executed in this process (each result then reaches every subscriber that shares it); for tests. */
export const subscriptionExecutions = { count: 0 };

function run(args: ExecutionArgs, payload: unknown, viewerKey: string): SharedExecution {
  subscriptionExecutions.count += 1;
  const entry: SharedExecution = { result: undefined as never, viewerRead: false, viewerKey, startedAt: Date.now() };
  const contextValue = trackedContext(args.contextValue as object, entry);
  entry.result = Promise.resolve(execute({ ...args, rootValue: payload, contextValue }));
  return entry;
}

/** Maps each event of `source` through `map`, in order; ending either side ends both. */
function mapEvents<T, R>(source: AsyncIterator<T>, map: (value: T) => Promise<R>): AsyncIterableIterator<R> {
  const close = async () => {
    await source.return?.();
    return { value: undefined, done: true } as const;
  };
  return {
    async next() {
      const item = await source.next();
      if (item.done) return { value: undefined, done: true };
      try {
        return { value: await map(item.value), done: false };
      } catch (error) {
        await close().catch(() => undefined);
        throw error;
      }
    },
    return: close,
    async throw(error: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * The Yoga plugin: every subscription (graphql-ws or SSE) gets its events executed through the
 * shared cache. Queries and mutations are untouched.
 */
export function useSharedExecution(): Plugin {
  const executions = new SharedExecutions();
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
        const operation = operationKey(args);
        const viewerKey = viewerKeyOf((args.contextValue as { viewer?: Viewer | null }).viewer);
        return mapEvents((source as AsyncIterable<unknown>)[Symbol.asyncIterator](), async (payload) => {
          // Only payloads of one bus event are shared: two events with equal payloads may still
          // resolve to different data (fields loaded from the database as it is by then).
          const delivery = deliveryOf(payload);
          if (delivery === undefined) return run(args, payload, viewerKey).result;
          const base = `${operation}\n${delivery}\n${payloadKey(payload)}`;
          let entry = executions.get(base);
          if (!entry) executions.set(base, (entry = run(args, payload, viewerKey)));
          const result = await entry.result;
          if (!entry.viewerRead || entry.viewerKey === viewerKey) return result;
          // The result depends on who is asking: share it only with the same viewer.
          const own = `${base}\n${viewerKey}`;
          let mine = executions.get(own);
          if (!mine) executions.set(own, (mine = run(args, payload, viewerKey)));
          return mine.result;
        });
      });
    },
  };
}

const serialised = new WeakMap<ExecutionResult, string>();

/**
 * The JSON of a result without errors, made once per result object: a shared result is written to
 * every socket as the same bytes. Undefined for results with errors (graphql-ws formats those).
 */
export function serialisedResult(result: ExecutionResult): string | undefined {
  if (result.errors) return undefined;
  let json = serialised.get(result);
  if (json === undefined) serialised.set(result, (json = JSON.stringify(result)));
  return json;
}
