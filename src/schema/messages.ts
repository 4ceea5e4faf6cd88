import { resolveCursorConnection } from '@pothos/plugin-relay';
import { findMessagesByRuns, findVisibleMessages, lastMessagesOf, listMessages, type Message } from '../repositories/messages.ts';
import { builder } from './builder.ts';
import { TeammateRef } from './teammates.ts';
import { RunRef } from './runs.ts';
import type { Run } from '../repositories/runs.ts';
import { batched } from './batched.ts';
import { decodeSeq } from './cursors.ts';
import { ThreadRef } from './threads.ts';
import { UserRef } from './users.ts';

export const AuthorKindEnum = builder.enumType('AuthorKind', {
  description: 'Who wrote a message.',
  values: {
    USER: { value: 'user', description: 'A person.' },
    TEAMMATE: { value: 'teammate', description: 'A teammate.' },
    SYSTEM: { value: 'system', description: 'Tmates itself (e.g. "Sam joined the chat").' },
  } as const,
});

export const MessageStatusEnum = builder.enumType('MessageStatus', {
  description: 'Where a message stands; teammate replies stream before they complete.',
  values: {
    PENDING: { value: 'pending', description: 'A reply that has not started, or that waits for a person to approve a tool call (see `toolApprovals`).' },
    STREAMING: { value: 'streaming', description: 'Being written; `body` holds the text so far.' },
    COMPLETE: { value: 'complete', description: 'Finished.' },
    FAILED: { value: 'failed', description: 'The reply could not be finished; see `error`.' },
    CANCELLED: { value: 'cancelled', description: 'Stopped on request.' },
  } as const,
});

export const MessageRef = builder.loadableNode('Message', {
  description: 'A message in a thread. `seq` orders a thread: it strictly increases with no gaps.',
  id: { resolve: (m: Message) => m.id },
  sort: (m) => m.id,
  load: (ids: string[], ctx) =>
    ctx.viewer ? findVisibleMessages(ctx.db, ctx.viewer.org.id, ctx.viewer.user.id, ids) : Promise.resolve([]),
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: 'Position in the thread: 1, 2, 3…' }),
    thread: t.field({ type: ThreadRef, description: 'The thread.', resolve: (m) => m.threadId }),
    authorKind: t.field({ type: AuthorKindEnum, description: 'Person, teammate or system.', resolve: (m) => m.authorKind }),
    authorUser: t.field({ type: UserRef, nullable: true, description: 'The person who wrote it.', resolve: (m) => m.authorUserId }),
    authorTeammate: t.field({ type: TeammateRef, nullable: true, description: 'The teammate who wrote it.', resolve: (m) => m.authorTeammateId }),
    body: t.exposeString('body', { description: 'Markdown text (so far, while streaming).' }),
    status: t.field({ type: MessageStatusEnum, description: 'Streaming, complete, failed…', resolve: (m) => m.status }),
    error: t.exposeString('error', { nullable: true, description: 'Why a reply failed, readable.' }),
    clientMessageId: t.exposeString('clientMessageId', { nullable: true, description: 'Idempotency key the sender chose.' }),
    run: t.field({
      type: RunRef,
      nullable: true,
      description: 'The run that wrote it (teammate replies, and their intermediate messages).',
      resolve: (m) => m.runId ?? (typeof m.metadata.runId === 'string' ? m.metadata.runId : null),
    }),
    intermediate: t.boolean({
      description:
        'True for what a teammate said while working, before the final answer of the same run (its plan, "I\'ll draft three options…"); the run goes on after it.',
      resolve: (m) => m.metadata.intermediate === true,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was posted.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

const lastMessageOf = batched<Message | null>((ctx, ids) => lastMessagesOf(ctx.db, ids), null);

builder.objectFields(ThreadRef, (t) => ({
  messages: t.connection({
    type: MessageRef,
    description: 'Messages in seq order. `last: 20` is the newest page; page back with `before`.',
    resolve: (thread, args, ctx) =>
      resolveCursorConnection<Promise<Message[]>>(
        { args, toCursor: (m) => String(m.seq), defaultSize: 50, maxSize: 200 },
        ({ after, before, limit, inverted }) =>
          listMessages(ctx.db, thread.id, {
            limit,
            inverted,
            afterSeq: decodeSeq(after),
            beforeSeq: decodeSeq(before),
          }),
      ),
  }),
  lastMessage: t.field({
    type: MessageRef,
    nullable: true,
    description: 'The newest message.',
    resolve: (thread, _args, ctx) => lastMessageOf(ctx, thread.id),
  }),
  preview: t.string({
    nullable: true,
    description: 'The newest message, shortened to 160 characters.',
    resolve: async (thread, _args, ctx) => {
      const last = await lastMessageOf(ctx, thread.id);
      if (!last) return null;
      const text = last.body.replace(/\s+/g, ' ').trim();
      return text.length > 160 ? `${text.slice(0, 159)}…` : text;
    },
  }),
}));

const replyOf = batched<Message | null>((ctx, ids) => findMessagesByRuns(ctx.db, ids), null);

builder.objectFields(RunRef, (t) => ({
  reply: t.field({
    type: MessageRef,
    nullable: true,
    description: 'The message it writes in the thread (reply runs; streams while it runs).',
    resolve: (r: Run, _a, ctx) => replyOf(ctx, r.id),
  }),
  triggerMessage: t.field({
    type: MessageRef,
    nullable: true,
    description: 'The message that started it.',
    resolve: (r: Run) => r.triggerMessageId,
  }),
}));
