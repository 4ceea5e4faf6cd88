import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../src/realtime/async-queue.ts';
import { asDelivery, deliveryOf } from '../../src/realtime/delivery.ts';

/**
 * Shared execution keys results by the bus event a payload was made for (src/realtime/delivery.ts):
 * two events with equal payloads are two deliveries, so neither gets the other's result.
 */
describe('deliveries of bus events', () => {
  it('tags what listeners push, after awaits too; equal payloads of two events stay apart; a replay is untagged', async () => {
    const queue = new AsyncQueue<{ postId: string }>();
    let chain = Promise.resolve();
    const listener = (postId: string) => {
      chain = chain.then(async () => {
        await new Promise<void>((resolve) => setImmediate(resolve)); // a load from the database
        queue.push({ postId });
      });
    };
    asDelivery(() => listener('p1'));
    asDelivery(() => listener('p1'));
    await chain;
    queue.push({ postId: 'p1' }); // a replay on subscribe: outside any delivery
    const [first, second, replayed] = [(await queue.next()).value, (await queue.next()).value, (await queue.next()).value];
    expect(first).toEqual(second);
    expect(deliveryOf(first)).toBeTypeOf('number');
    expect(deliveryOf(second)).toBe(deliveryOf(first)! + 1);
    expect(deliveryOf(replayed)).toBeUndefined();
  });
});
