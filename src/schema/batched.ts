import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { Context } from '../server/context.ts';

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
