import { contextCacheSymbol, createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../core/context.ts';

/**
 * A per-operation batch loader for a fact keyed by id (members of an org, memories of a teammate…):
 * every `load` in one operation is answered by one call of `load(ctx, ids)`; ids it does not
 * return get `fallback`.
 */
export function batched<V>(load: (ctx: Context, ids: readonly string[]) => Promise<Map<string, V>>, fallback: V) {
  const cache = createContextCache(
    (ctx: Context) =>
      new DataLoader<string, V>(async (ids) => {
        const found = await load(ctx, ids);
        return ids.map((id) => found.get(id) ?? fallback);
      }),
  );
  return (ctx: Context, id: string): Promise<V> => cache(ctx).load(id);
}

/** How long a subscription's loaders may answer from their cache before its next event reloads. */
export const SUBSCRIPTION_LOADER_TTL_MS = 5_000;

const loadersSince = new WeakMap<object, number>();

/**
 * Gives a long-lived operation (a subscription) fresh loaders: call it as each event starts to
 * execute. Loaders cache per operation, which is right for a query and wrong for a subscription
 * that lives for hours — its events would show names, members and counts as they were when it
 * started. After SUBSCRIPTION_LOADER_TTL_MS the next event starts a new cache (Pothos keys every
 * loader cache by this context property), so a burst of events still shares one — which keeps
 * the fan-out to large threads from costing a query per subscriber per event.
 */
export function freshLoaders<T>(ctx: Context, event: T): T {
  const now = ctx.services.clock.now().getTime();
  const since = loadersSince.get(ctx);
  if (since === undefined || now - since >= SUBSCRIPTION_LOADER_TTL_MS) {
    (ctx as unknown as Record<symbol, object>)[contextCacheSymbol] = {};
    loadersSince.set(ctx, now);
  }
  return event;
}
