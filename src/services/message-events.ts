import type { Message } from '../repositories/messages.ts';

/** The bus event of a message created or changed at its current event position (carrying the message itself). */
export const messageEvent = (message: Message, created: boolean) =>
  ({
    kind: 'message',
    orgId: message.orgId,
    threadId: message.threadId,
    messageId: message.id,
    eventSeq: message.eventSeq,
    created,
    message: message as unknown as Record<string, unknown>,
  }) as const;
