import { GraphQLError } from 'graphql';

/**
 * Opaque cursors for keyset pagination. A position is (instant, id) for lists ordered by time, or a
 * number for per-thread sequences; anything a client sends that does not decode is a bad input.
 */
function invalid(): GraphQLError {
  return new GraphQLError('Invalid cursor', { extensions: { code: 'BAD_USER_INPUT' } });
}

export function encodePosition(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodePosition(cursor: string | undefined): { at: Date; id: string } | undefined {
  if (!cursor) return undefined;
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (!id || Number.isNaN(at.getTime())) throw invalid();
  return { at, id };
}

/** A sequence cursor (message seq, thread event position): a non-negative integer as a string. */
export function decodeSeq(cursor: string | null | undefined): number | undefined {
  if (cursor === undefined || cursor === null || cursor === '') return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw invalid();
  return Number(cursor);
}
