import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which bus event a subscription payload was made for. The bus runs the listeners of each event it
 * delivers inside a numbered delivery (per process, counting up); what a listener pushes to a
 * subscription's queue, even after awaiting loads, is tagged with that number. Subscribers whose
 * results cannot differ share one execution per delivery (src/server/shared-execution.ts); a
 * payload made outside a delivery (a replay on subscribe) is never shared.
 */
const deliveries = new AsyncLocalStorage<number>();
const tags = new WeakMap<object, number>();
let lastDelivery = 0;

/** Runs `deliver` (the listeners of one event) as a new delivery. */
export function asDelivery(deliver: () => void): void {
  deliveries.run((lastDelivery += 1), deliver);
}

/** Tags a payload made now with the delivery being handled, if any. */
export function tagPayload(payload: unknown): void {
  if (payload === null || typeof payload !== 'object') return;
  const delivery = deliveries.getStore();
  if (delivery !== undefined) tags.set(payload, delivery);
}

/** The delivery a payload was made for; undefined for a payload made outside one. */
export function deliveryOf(payload: unknown): number | undefined {
  return payload !== null && typeof payload === 'object' ? tags.get(payload) : undefined;
}
