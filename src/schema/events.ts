import type { ViewerEventPayload } from '../services/thread-events.ts';
import { builder } from './builder.ts';
import { MessageRef } from './messages.ts';
import { RunRef, RunStatusEnum } from './runs.ts';
import { RunProgressRef } from './run-progress.ts';
import { ThreadRef } from './threads.ts';
import { UserRef } from './users.ts';
import { encodeGlobalID } from '@pothos/plugin-relay';

type Of<T extends ViewerEventPayload['type']> = Extract<ViewerEventPayload, { type: T }>;
type InThread = Exclude<ViewerEventPayload, { type: 'pinboard' } | { type: 'goal' } | { type: 'file' } | { type: 'thread_deleted' } | { type: 'notification' }>;

/** Everything `viewerEvents` delivers: thread events, and events outside threads (the pinboard). */
export const ViewerEventRef = builder.interfaceRef<ViewerEventPayload>('ViewerEvent').implement({
  description: 'Something that concerns the signed-in person: in one of their threads (a ThreadEvent) or elsewhere in their organisation.',
  fields: (t) => ({
    thread: t.field({
      type: ThreadRef,
      nullable: true,
      description: 'The thread it happened in, or came from, if the caller is in it; always set for a ThreadEvent.',
      resolve: (e) => e.thread,
    }),
  }),
});

export const ThreadEventRef = builder.interfaceRef<InThread>('ThreadEvent').implement({
  description: 'Something that happened in a thread.',
  interfaces: [ViewerEventRef],
  fields: (t) => ({
    thread: t.field({ type: ThreadRef, description: 'The thread.', resolve: (e) => e.thread }),
    cursor: t.exposeString('cursor', {
      description: 'Position of the last durable event delivered; resubscribe with `after: cursor` to resume.',
    }),
  }),
});

/** `isTypeOf` for an event payload of `type` (every ViewerEvent implementation). */
export const isType =
  <T extends ViewerEventPayload['type']>(type: T) =>
  (value: unknown): boolean =>
    typeof value === 'object' && value !== null && (value as { type?: string }).type === type;

export const MessageEventRef = builder.objectRef<Of<'message'>>('MessageEvent').implement({
  description: 'A message was created or changed state; carries the whole message. Durable: replayed on resume.',
  interfaces: [ViewerEventRef, ThreadEventRef],
  isTypeOf: isType('message'),
  fields: (t) => ({
    message: t.field({ type: MessageRef, description: 'The message as it is now.', resolve: (e) => e.message }),
    created: t.exposeBoolean('created', { description: 'True when the message is new, false when it changed.' }),
    mentionsViewer: t.exposeBoolean('mentionsViewer', { description: 'The message @mentions the subscriber.' }),
  }),
});

builder.objectRef<Of<'delta'>>('MessageDeltaEvent').implement({
  description: 'More streamed text of a message: append `delta` at `offset`. Ephemeral: not replayed (the message body is).',
  interfaces: [ViewerEventRef, ThreadEventRef],
  isTypeOf: isType('delta'),
  fields: (t) => ({
    messageId: t.id({ description: 'The message being written.', resolve: (e) => encodeGlobalID('Message', e.messageId) }),
    delta: t.exposeString('delta', { description: 'The new text.' }),
    offset: t.exposeInt('offset', { description: 'Where it goes in the body (characters).' }),
  }),
});

builder.objectRef<Of<'run'>>('RunEvent').implement({
  description: 'A teammate started, finished, failed or was cancelled ("typing" is a running run).',
  interfaces: [ViewerEventRef, ThreadEventRef],
  isTypeOf: isType('run'),
  fields: (t) => ({
    run: t.field({ type: RunRef, description: 'The run.', resolve: (e) => e.runId }),
    status: t.field({ type: RunStatusEnum, description: 'Its new status.', resolve: (e) => e.status as never }),
    progress: t.field({
      type: RunProgressRef,
      nullable: true,
      description: 'Set when the event reports progress of a running run (`report_progress`); null for a change of status.',
      resolve: (e) => e.progress ?? null,
    }),
  }),
});

builder.objectRef<Of<'read'>>('ReadEvent').implement({
  description: "Someone's read position moved.",
  interfaces: [ViewerEventRef, ThreadEventRef],
  isTypeOf: isType('read'),
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'Who read.', resolve: (e) => e.userId }),
    seq: t.exposeInt('seq', { description: 'Seq of the last message they have read.' }),
  }),
});

builder.objectRef<Of<'thread_created'>>('ThreadCreatedEvent').implement({
  description: 'The subscriber was put in a new thread.',
  interfaces: [ViewerEventRef, ThreadEventRef],
  isTypeOf: isType('thread_created'),
  fields: () => ({}),
});

builder.objectRef<Of<'thread_deleted'>>('ThreadDeletedEvent').implement({
  description: 'A thread the subscriber was in was deleted (`thread` is null: it is gone). Its `threadEvents` subscriptions end.',
  interfaces: [ViewerEventRef],
  isTypeOf: isType('thread_deleted'),
  fields: (t) => ({
    threadId: t.id({ description: 'Global id of the deleted thread.', resolve: (e) => encodeGlobalID('Thread', e.threadId) }),
  }),
});
