import type { Executor } from '../db/database.ts';
import type { Emit } from '../realtime/transactional.ts';
import { appendMessage, type Message } from '../repositories/messages.ts';
import type { Thread } from '../repositories/threads.ts';
import { messageEvent } from './message-events.ts';

/** Posts a system line ("Sam joined the chat") as a durable message with its event. */
export async function postSystemMessage(trx: Executor, emit: Emit, thread: Thread, body: string): Promise<Message> {
  const message = await appendMessage(trx, { orgId: thread.orgId, threadId: thread.id, authorKind: 'system', body });
  await emit(messageEvent(message, true));
  return message;
}
