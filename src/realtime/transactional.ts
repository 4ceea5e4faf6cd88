import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from './event-bus.ts';
import type { BusEvent } from './events.ts';

export type Emit = (event: BusEvent) => Promise<void>;

/**
 * Runs `fn` in a transaction whose events are published exactly when it commits: inside the
 * transaction with PostgreSQL NOTIFY (delivered at commit, never after a rollback), or right after
 * commit with a transport that cannot join the transaction.
 */
export async function transactionWithEvents<T>(
  services: { db: Database; bus: EventBus; logger: Logger },
  fn: (trx: Transaction<DB>, emit: Emit) => Promise<T>,
): Promise<T> {
  let afterCommit: BusEvent[] = [];
  const result = await services.db.transaction().execute(async (trx) => {
    // Events are gathered and sent in one statement at the end of the transaction (NOTIFY is
    // delivered at commit anyway), in the order they were emitted.
    const events: BusEvent[] = [];
    const value = await fn(trx, async (event) => {
      events.push(event);
    });
    afterCommit = await services.bus.publishInTransaction(trx, events);
    return value;
  });
  if (afterCommit.length > 0) {
    // The write is committed; a lost live event is recovered by subscribers' replay on reconnect.
    await services.bus.publish(afterCommit).catch((error) => services.logger.error({ err: error }, 'publishing events failed'));
  }
  return result;
}
