/**
 * The messages of one open thread, merged from three sources: the first query (and pages back), the
 * `threadEvents` stream (replayed from the last cursor after a reconnection, so the same event can
 * arrive twice) and optimistic sends. Merging is idempotent: messages are keyed by id, a pending send
 * by its clientMessageId, and streamed text by its offset in the body.
 */
import type { WebMessageFieldsFragment } from '../../generated/graphql.ts';

export type ThreadMessage = WebMessageFieldsFragment & { pending?: 'sending' | 'failed' };

const FINAL = new Set(['COMPLETE', 'FAILED', 'CANCELLED']);

export function upsertMessage(list: ThreadMessage[], incoming: ThreadMessage): ThreadMessage[] {
  const index = list.findIndex(
    (m) => m.id === incoming.id || (incoming.clientMessageId && m.pending && m.clientMessageId === incoming.clientMessageId),
  );
  if (index < 0) return insertBySeq(list, incoming);
  const existing = list[index]!;
  let merged: ThreadMessage = { ...incoming };
  // A replayed snapshot of a streaming message may be older than the deltas already applied.
  if (existing.id === incoming.id && !FINAL.has(incoming.status) && existing.body.length > incoming.body.length && existing.body.startsWith(incoming.body)) {
    merged = { ...incoming, body: existing.body };
  }
  if (existing.id === incoming.id && FINAL.has(existing.status) && !FINAL.has(incoming.status)) return list;
  const next = list.slice();
  next[index] = merged;
  return next;
}

function insertBySeq(list: ThreadMessage[], message: ThreadMessage): ThreadMessage[] {
  if (message.pending) return [...list, message];
  const next = list.slice();
  let at = next.length;
  while (at > 0 && (next[at - 1]!.pending || next[at - 1]!.seq > message.seq)) at -= 1;
  next.splice(at, 0, message);
  return next;
}

/** Applies streamed text at its offset. Returns null when there is a gap (text missing before it). */
export function applyDelta(list: ThreadMessage[], messageId: string, delta: string, offset: number): ThreadMessage[] | null {
  const index = list.findIndex((m) => m.id === messageId);
  if (index < 0) return null;
  const message = list[index]!;
  if (FINAL.has(message.status)) return list;
  if (offset > message.body.length) return null;
  if (offset + delta.length <= message.body.length) return list; // already have it (replay)
  const next = list.slice();
  next[index] = { ...message, body: message.body.slice(0, offset) + delta, status: 'STREAMING' };
  return next;
}

/** Older messages from a page back go before what is shown; duplicates are dropped. */
export function prependPage(list: ThreadMessage[], page: ThreadMessage[]): ThreadMessage[] {
  const known = new Set(list.map((m) => m.id));
  return [...page.filter((m) => !known.has(m.id)), ...list];
}
