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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A position in a list ordered by a leading number (pinned first, search rank…), then time and id.
 * The number keeps its exact value through the cursor (the shortest round-trip decimal).
 */
export function encodeKeyedPosition(key: number, at: Date, id: string): string {
  return Buffer.from(`${key}|${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeKeyedPosition(cursor: string | undefined): { key: number; at: Date; id: string } | undefined {
  if (!cursor) return undefined;
  const [key, iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (!key || !id || !UUID.test(id) || !Number.isFinite(Number(key)) || Number.isNaN(at.getTime())) throw invalid();
  return { key: Number(key), at, id };
}
