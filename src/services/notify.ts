import type { Executor } from '../db/database.ts';
import type { AppServices } from '../core/context.ts';
import type { JobPayloads } from '../core/jobs.ts';
import { hasPersonAwayFromThread } from '../repositories/live-sessions.ts';
import { LIVE_SESSION_FRESH_SECONDS } from './live-sessions.ts';

export type NotificationSource = JobPayloads['notifications__send']['source'];

/**
 * Asks for the notifications of an event, in the transaction of the event: one job, which finds
 * the recipients and fans out one job per person (so a turn never waits for it, and nothing is
 * sent for an event that rolls back). Sources: a new final message (`mentions`: people it
 * @mentions), a goal that succeeded or failed, a tool approval that waits.
 * A message in a thread whose people (but its author, `authorUserId`) are all watching it enqueues
 * nothing: it would notify no one (one query instead of two jobs on every turn of a watched thread).
 */
export async function notifyAbout(
  services: Pick<AppServices, 'jobs'>,
  trx: Executor,
  event: { source: Exclude<NotificationSource, 'flush'>; id: string; threadId: string; mentions?: string[]; authorUserId?: string | null },
): Promise<void> {
  const { source, id, threadId, mentions = [] } = event;
  if (source === 'message' && !(await hasPersonAwayFromThread(trx, threadId, event.authorUserId ?? null, LIVE_SESSION_FRESH_SECONDS))) return;
  // One queue per thread: the events of a thread fan out in the order they happened.
  await services.jobs.add(trx, 'notifications__send', { source, id, ...(mentions.length ? { mentions } : {}) }, { jobKey: `notify:${source}:${id}`, queueName: `notifications:thread:${threadId}` });
}

/** One queue per person: their notifications are made (and coalesced) one at a time, in order. */
export const recipientQueue = (userId: string) => `notifications:user:${userId}`;
