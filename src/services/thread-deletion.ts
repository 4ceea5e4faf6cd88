import { transactionWithEvents } from '../realtime/transactional.ts';
import { deleteSchedulesOfThread } from '../repositories/schedules.ts';
import { deleteThreadRow, membersOfThreads, type Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import { ForbiddenError } from './errors.ts';
import { stopThreadWork } from './goals.ts';
import { lockVisibleThread, visibleThread } from './threads.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';

/**
 * Deletes a thread for everyone in it: its messages, runs, goals and schedules, and the teammates'
 * notes about it. A direct thread may be deleted by its person; a team thread by its creator or an
 * organisation admin; the organisation's team chat not at all (archive it or reset its session).
 * Work in progress is cancelled first, so the workers abort their model calls; usage already
 * recorded stays (it is the organisation's, not the thread's), and files stay in the organisation.
 * Live subscribers of the thread are ended, and each member gets a `ThreadDeletedEvent`.
 */
export async function deleteThread(services: AppServices, viewer: Viewer, threadId: string): Promise<{ deletedThreadId: string }> {
  const authorise = (thread: Thread) => {
    if (thread.isDefault) throw new ForbiddenError('The team chat cannot be deleted; archive it or reset its session instead');
    if (thread.kind === 'team' && thread.createdBy !== viewer.user.id && !canManageOrg(viewer.role)) {
      throw new ForbiddenError('Only the thread’s creator and organisation admins can delete it');
    }
  };
  authorise(await visibleThread(services, viewer, threadId));
  return transactionWithEvents(services, async (trx, emit) => {
    // Its schedules before the thread: a tick firing one locks the schedule, then the thread.
    await deleteSchedulesOfThread(trx, threadId);
    const thread = await lockVisibleThread(trx, viewer, threadId);
    authorise(thread);
    await stopThreadWork(services, trx, emit, thread.id, 'The thread was deleted');
    const userIds = ((await membersOfThreads(trx, [thread.id])).get(thread.id) ?? []).flatMap((m) => (m.userId ? [m.userId] : []));
    await deleteThreadRow(trx, thread.id);
    await emit({ kind: 'thread', orgId: thread.orgId, threadId: thread.id, change: 'deleted', userIds });
    return { deletedThreadId: thread.id };
  });
}
