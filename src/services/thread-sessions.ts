import { transactionWithEvents } from '../realtime/transactional.ts';
import { deleteThreadNotes } from '../repositories/memories.ts';
import type { Message } from '../repositories/messages.ts';
import { lockActiveRuns } from '../repositories/runs.ts';
import { deleteThreadSummaries } from '../repositories/thread-summaries.ts';
import { updateThreadRow, type Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import { ConflictError } from './errors.ts';
import { cancelRunsInTransaction } from './runs.ts';
import { postSystemMessage } from './system-messages.ts';
import { lockVisibleThread } from './threads.ts';
import type { Viewer } from '../core/viewer.ts';

export interface SessionReset {
  thread: Thread;
  /** The system message that marks where the new session starts. */
  message: Message;
  /** Thread notes the teammates kept about this thread, now forgotten. */
  forgottenNotes: number;
  /** Replies that were being written from the old session and were stopped. */
  stoppedRuns: number;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * "Reset session": the teammates of a thread start fresh. From the system message it posts on,
 * their prompts (and `thread_history`) hold only later messages; their summaries of the thread and
 * their notes about it (thread-scoped memories) are dropped, while what they know in general
 * (teammate-scoped memories) stays. Replies still being written from the old context are stopped;
 * a goal's task runs carry their own brief and go on. People still see the whole history.
 * One transaction under the thread's lock, so a message sent meanwhile lands on one side of it.
 */
export async function resetThreadSession(services: AppServices, viewer: Viewer, threadId: string): Promise<SessionReset> {
  return transactionWithEvents(services, async (trx, emit) => {
    const thread = await lockVisibleThread(trx, viewer, threadId);
    if (thread.archivedAt) throw new ConflictError('This thread is archived; unarchive it first');
    const replies = (await lockActiveRuns(trx, thread.id)).filter((run) => run.goalId === null);
    const stopped = await cancelRunsInTransaction(services, trx, emit, replies.map((run) => run.id), 'The session was reset');
    const forgottenNotes = await deleteThreadNotes(trx, thread.id);
    await deleteThreadSummaries(trx, thread.id);
    const body = [
      `${viewer.user.displayName} started a fresh session: teammates no longer see the messages above`,
      forgottenNotes ? ` and have forgotten ${plural(forgottenNotes, 'note', 'notes')} about this thread` : '',
      '.',
    ].join('');
    const message = await postSystemMessage(trx, emit, thread, body);
    const updated = await updateThreadRow(trx, thread.id, { sessionStartSeq: message.seq });
    await emit({ kind: 'thread', orgId: thread.orgId, threadId: thread.id, change: 'updated' });
    return { thread: updated, message, forgottenNotes, stoppedRuns: stopped.filter((run) => run.kind !== 'delegation').length };
  });
}
