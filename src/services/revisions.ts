import { lockRowVersion, type VersionedTable } from '../repositories/revisions.ts';
import type { Executor } from '../db/database.ts';
import { ConflictError, ValidationError } from './errors.ts';

/**
 * Optimistic concurrency for what people edit together (pinboard posts, teammates, memories,
 * thread titles, organisation settings): an edit may name the `expectedRevision` it started from.
 * Locks the row for the rest of the transaction and throws a ConflictError carrying the current
 * revision and `updatedAt` when someone changed it meanwhile, so a client can merge or retry.
 * Without an expected revision the edit applies (last write wins, as before).
 */
export async function expectRevision(trx: Executor, table: VersionedTable, id: string, expected: unknown, field = 'expectedRevision'): Promise<void> {
  if (expected === undefined || expected === null) return;
  if (typeof expected !== 'number' || !Number.isInteger(expected) || expected < 1) {
    throw new ValidationError([{ field, message: 'must be a revision number (1 or more)' }]);
  }
  const current = await lockRowVersion(trx, table, id);
  if (current && current.revision !== expected) {
    throw new ConflictError(`Someone else changed this meanwhile (revision ${current.revision}, you edited revision ${expected}); reload it and try again`, current);
  }
}

/** The `expectedRevision` of an edit's raw input, if it has one. */
export const expectedRevisionOf = (input: unknown): unknown => (input as { expectedRevision?: unknown } | null | undefined)?.expectedRevision;
