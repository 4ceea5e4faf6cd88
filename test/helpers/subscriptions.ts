import type { Client } from 'graphql-ws';

export interface Collected<T> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Resolves when at least `count` events arrived (or rejects after `ms`). */
  waitFor(count: number, ms?: number): Promise<T[]>;
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
    waitFor: (count, ms = 10_000) => poll(() => state.events.length >= count || state.errors.length > 0, ms).then(() => {
      if (state.events.length < count) throw new Error(`subscription failed: ${JSON.stringify(state.errors)}`);
      return state.events;
    }),
    ended: (ms = 10_000) => poll(() => state.completed || state.errors.length > 0, ms),
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

export async function poll(predicate: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** For `collect`: keeps only MessageEvents of a `threadEvents` subscription. */
export const messageEvents = (event: Record<string, any>) => event.threadEvents?.__typename === 'MessageEvent';
