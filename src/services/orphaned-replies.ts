import { transactionWithEvents } from '../realtime/transactional.ts';
import { reviseMessage } from '../repositories/messages.ts';
import { findOrphanedReplies } from '../repositories/orphaned-replies.ts';
import { lockThread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import { messageEvent } from './message-events.ts';

/**
 * Ends replies whose run ended while their worker was gone (a cancel reaches a live worker, which
 * saves the final text with the final status itself): they keep the text saved so far and take
 * the run's final status. Part of the runtime's sweep. Returns how many were ended.
 */
export async function closeOrphanedReplies(services: AppServices): Promise<number> {
  let closed = 0;
  for (const orphan of await findOrphanedReplies(services.db, services.config.agents.staleAfterMs)) {
    const cancelled = orphan.runStatus === 'cancelled';
    const status = cancelled ? 'cancelled' : orphan.runStatus === 'failed' ? 'failed' : 'complete';
    await transactionWithEvents(services, async (trx, emit) => {
      await lockThread(trx, orphan.threadId);
      const written = await reviseMessage(trx, { id: orphan.id, threadId: orphan.threadId }, {
        status,
        finishReason: cancelled ? 'cancelled' : status === 'failed' ? 'error' : 'stop',
        error: status === 'failed' ? 'The worker handling this stopped.' : null,
        expectStatus: ['streaming'],
      });
      if (written) {
        closed += 1;
        await emit(messageEvent(written, false));
      }
    });
  }
  return closed;
}
