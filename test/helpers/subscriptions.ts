import type { Client } from 'graphql-ws';
import { waitFor } from './kit.ts';

export interface Collected<T> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves when at least `count` events arrived (or rejects after `ms`, default 20 s). */
  waitFor(count: number, ms?: number): Promise<T[]>;
  /** Resolves with the first event `predicate` accepts, once it arrived (or rejects after `ms`, default 20 s). */
  until(predicate: (event: T) => boolean, what?: string, ms?: number): Promise<T>;
  /** Resolves when the subscription ended with an error or completed. */
  ended(ms?: number): Promise<void>;
  stop(): void;
}

/** Subscribes with the real graphql-ws client and collects what arrives (only what `keep` accepts, when given). */
export function collect<T = Record<string, any>>(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
  keep: (event: T) => boolean = () => true,
): Collected<T> {
  const state: Collected<T> = {
    events: [],
    errors: [],
    completed: false,
    waitFor: (count, ms = 20_000) => waitFor(() => state.events.length >= count || state.errors.length > 0, `${count} events`, ms).then(() => {
      if (state.events.length < count) throw new Error(`subscription failed: ${JSON.stringify(state.errors)}`);
      return state.events;
    }),
    until: async (predicate, what = 'the event', ms = 20_000) => {
      await waitFor(() => state.events.some(predicate) || state.errors.length > 0, what, ms);
      const found = state.events.find(predicate);
      if (found === undefined) throw new Error(`subscription failed: ${JSON.stringify(state.errors)}`);
      return found;
    },
    ended: (ms = 10_000) => waitFor(() => state.completed || state.errors.length > 0, 'the subscription to end', ms).then(() => undefined),
    stop: () => unsubscribe(),
  };
  const unsubscribe = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) state.errors.push(value.errors);
        else if (keep(value.data as T)) state.events.push(value.data as T);
      },
      error: (error) => state.errors.push(error),
      complete: () => {
        state.completed = true;
      },
    },
  );
  return state;
}

/** For `collect`: keeps only MessageEvents of a `threadEvents` subscription. */
export const messageEvents = (event: Record<string, any>) => event.threadEvents?.__typename === 'MessageEvent';
