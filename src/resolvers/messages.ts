import type { Message } from '../repositories/messages.ts';
import type { Run } from '../repositories/runs.ts';
import { builder } from '../schema/builder.ts';
import { MessageRef } from '../schema/messages.ts';
import { RunRef } from '../schema/runs.ts';
import { ThreadRef } from '../schema/threads.ts';
import { FileRef } from '../schema/files.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, NotFoundError, PlanLimitError, ValidationError } from '../services/errors.ts';
import { sendMessage } from '../services/messages.ts';

const SendMessageInput = builder.inputType('SendMessageInput', {
  description: 'A message to post. Retrying with the same `clientMessageId` returns the first result.',
  fields: (t) => ({
    threadId: t.globalID({ required: true, for: ThreadRef, description: 'The thread.' }),
    body: t.string({ required: true, description: 'Markdown text (1–32000 characters).' }),
    fileIds: t.globalIDList({ for: FileRef, description: 'Files to attach (uploaded to this organisation), in order; at most 20.' }),
    clientMessageId: t.string({ description: 'Idempotency key chosen by the client (1–100 characters), unique per thread.' }),
  }),
});

const SendMessagePayload = builder.objectRef<{ message: Message; runs: Run[] }>('SendMessagePayload').implement({
  description: 'The posted message and the teammate runs it started.',
  fields: (t) => ({
    message: t.field({ type: MessageRef, description: 'The message.', resolve: (p) => p.message }),
    runs: t.field({ type: [RunRef], description: 'Teammates who will answer.', resolve: (p) => p.runs }),
  }),
});

builder.mutationField('sendMessage', (t) =>
  t.field({
    type: SendMessagePayload,
    description: 'Posts a message to a thread. Idempotent on `clientMessageId`.',
    errors: { types: [ValidationError, NotFoundError, ConflictError, PlanLimitError] },
    args: { input: t.arg({ type: SendMessageInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const { message, runs } = await sendMessage(ctx.services, requireViewer(ctx), input.threadId.id, {
        body: input.body,
        clientMessageId: input.clientMessageId,
        fileIds: (input.fileIds ?? []).map((f) => f.id),
      });
      return { message, runs };
    },
  }),
);
