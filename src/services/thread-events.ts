import { GraphQLError } from 'graphql';
import { AsyncQueue } from '../realtime/async-queue.ts';
import { topics, type BusEvent } from '../realtime/events.ts';
import { findMessagesByIds, messagesChangedSince, streamingMessagesOf, type Message } from '../repositories/messages.ts';
import { findThreadsOfMember, type Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import { fileEventFor, type FileEventPayload } from './file-events.ts';
import { pinboardEventFor, type PinboardEventPayload } from './pinboard-events.ts';
import { goalEventFor, type GoalEventPayload } from './goal-events.ts';
import type { Viewer } from '../core/viewer.ts';
import { approvalEventFor, type ApprovalEventPayload } from './approval-events.ts';
import { openLiveSession } from './live-sessions.ts';
import { notificationEventFor, type NotificationEventPayload } from './notification-events.ts';

/** What a `threadEvents` / `viewerEvents` subscriber receives (before GraphQL shapes it). */
export type ThreadEventPayload =
  | { type: 'message'; thread: Thread; cursor: string; message: Message; created: boolean; mentionsViewer: boolean }
  | { type: 'delta'; thread: Thread; cursor: string; messageId: string; delta: string; offset: number }
  | { type: 'read'; thread: Thread; cursor: string; userId: string; seq: number }
  | { type: 'run'; thread: Thread; cursor: string; runId: string; status: string; progress?: { stage: string; percent: number | null; message: string } }
  | ApprovalEventPayload;

export type ViewerEventPayload =
  | ThreadEventPayload
  | { type: 'thread_created'; thread: Thread; cursor: string }
  | { type: 'thread_deleted'; threadId: string; thread: null }
  | PinboardEventPayload
  | GoalEventPayload
  | FileEventPayload
  | NotificationEventPayload;

const REPLAY_BATCH = 500;

/**
 * Loads each changed message once per process, however many local subscribers want it: one query
 * per event fans out to thousands of subscriptions. Entries live a few seconds.
 */
const hydrated = new WeakMap<AppServices, Map<string, Promise<Message | undefined>>>();
function hydrateMessage(services: AppServices, messageId: string, eventSeq: number): Promise<Message | undefined> {
  let cache = hydrated.get(services);
  if (!cache) hydrated.set(services, (cache = new Map()));
  const key = `${messageId}:${eventSeq}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = findMessagesByIds(services.db, [messageId]).then(([m]) => m);
    cache.set(key, entry);
    const evict = setTimeout(() => cache.delete(key), 5_000);
    evict.unref();
  }
  return entry;
}

type MessageBusEvent = Extract<BusEvent, { kind: 'message' }>;

/** A message that travelled in an event payload, as JSON: its dates back to Dates (once). */
function revive(message: Record<string, unknown>): Message {
  if (message.createdAt instanceof Date) return message as unknown as Message;
  return { ...(message as unknown as Message), createdAt: new Date(message.createdAt as string), updatedAt: new Date(message.updatedAt as string) };
}

/** The message of an event: carried in the payload (prepared once per process), else loaded once per process. */
async function messageOf(services: AppServices, event: MessageBusEvent): Promise<Message | undefined> {
  return event.message ? revive(event.message) : hydrateMessage(services, event.messageId, event.eventSeq);
}

const prepared = new WeakSet<AppServices>();
function ensurePreparer(services: AppServices): void {
  if (prepared.has(services)) return;
  prepared.add(services);
  services.bus.setPreparer((event) => {
    if (event.kind !== 'message') return undefined;
    // Carried in the payload: revived once here for every subscriber, no query at all.
    if (event.message) {
      event.message = revive(event.message) as unknown as Record<string, unknown>;
      return undefined;
    }
    return hydrateMessage(services, event.messageId, event.eventSeq).then((message) => {
      if (message) event.message = message as unknown as Record<string, unknown>;
    });
  });
}

export const notAMember = () =>
  new GraphQLError('You are no longer a member of this thread', { extensions: { code: 'FORBIDDEN' } });

/**
 * `threadEvents(threadId, after)`: first every durable event after `after` (messages created or
 * changed since, in order), then live events — no gap and no duplicate. The bus subscription
 * starts before the database is read, every event goes through one ordered chain, and durable
 * events are deduplicated by the thread's event position; a jump in positions (events lost while
 * the bus reconnected) is repaired from the database.
 */
export async function subscribeThreadEvents(
  services: AppServices,
  viewer: Viewer,
  threadId: string,
  /** Event position to resume after (decoded from the client's cursor); undefined: live only. */
  afterSeq: number | undefined,
): Promise<AsyncQueue<ThreadEventPayload>> {
  ensurePreparer(services);
  const { bus } = services;
  const unsubscribers: Array<() => void> = [];
  const queue = new AsyncQueue<ThreadEventPayload>(() => unsubscribers.forEach((u) => u()));
  let current: Thread;
  let lastSeq = 0;
  const cursor = () => String(lastSeq);
  // Events that arrive while the thread is being read wait behind this gate, then run in order.
  let openGate: () => void = () => {};
  let chain: Promise<void> = new Promise<void>((resolve) => (openGate = resolve));
  const enqueue = (step: () => Promise<void>) => {
    chain = chain.then(step).catch((error) => queue.end(error));
  };

  unsubscribers.push(bus.subscribe(topics.thread(threadId), (event) => enqueue(() => handle(event))));
  unsubscribers.push(
    bus.subscribe(topics.org(viewer.org.id), (event) => {
      if (event.kind === 'org_member_removed' && event.userId === viewer.user.id) queue.end(notAMember());
    }),
  );
  unsubscribers.push(bus.onReconnect(() => enqueue(() => replay())));

  const [thread] = await findThreadsOfMember(services.db, viewer.org.id, viewer.user.id, [threadId]);
  if (!thread) {
    queue.end();
    throw new GraphQLError('Thread not found', { extensions: { code: 'NOT_FOUND' } });
  }
  current = thread;
  lastSeq = afterSeq ?? thread.lastEventSeq;
  // Watching this thread (for every process's notification sender): no notification about it meanwhile.
  const closeSession = await openLiveSession(services, viewer.user.id, threadId);
  if (queue.closed) closeSession();
  else unsubscribers.push(closeSession);

  async function replay(): Promise<void> {
    for (;;) {
      const batch = await messagesChangedSince(services.db, threadId, lastSeq, REPLAY_BATCH);
      for (const message of batch) {
        lastSeq = message.eventSeq;
        // A message never changed since its insert still has equal timestamps (one transaction).
        const created = message.updatedAt.getTime() === message.createdAt.getTime();
        queue.push({ type: 'message', thread: current, cursor: cursor(), message, created, mentionsViewer: false });
      }
      if (batch.length < REPLAY_BATCH) return;
    }
  }

  function pushMessage(event: MessageBusEvent, message: Message): void {
    lastSeq = Math.max(event.eventSeq, message.eventSeq);
    queue.push({
      type: 'message',
      thread: current,
      cursor: cursor(),
      message,
      created: event.created,
      mentionsViewer: event.mentions?.includes(viewer.user.id) ?? false,
    });
  }

  async function handle(event: BusEvent): Promise<void> {
    if (queue.closed) return;
    switch (event.kind) {
      case 'message': {
        if (event.eventSeq <= lastSeq) return; // already delivered (replayed or seen)
        if (event.eventSeq > lastSeq + 1) return replay(); // a gap: read what was missed, in order
        const message = await messageOf(services, event);
        if (message) pushMessage(event, message);
        return;
      }
      case 'delta':
        queue.push({ type: 'delta', thread: current, cursor: cursor(), messageId: event.messageId, delta: event.delta, offset: event.offset });
        return;
      case 'read':
        queue.push({ type: 'read', thread: current, cursor: cursor(), userId: event.userId, seq: event.seq });
        return;
      case 'run':
        queue.push({ type: 'run', thread: current, cursor: cursor(), runId: event.runId, status: event.status, progress: event.progress });
        return;
      case 'approval': {
        const payload = await approvalEventFor(services, viewer, event, current, cursor());
        if (payload) queue.push(payload);
        return;
      }
      case 'thread': {
        if (event.change === 'deleted') {
          queue.end(new GraphQLError('This thread was deleted', { extensions: { code: 'NOT_FOUND' } }));
          return;
        }
        // Re-authorise on membership changes: a person removed from the thread stops receiving.
        const [fresh] = await findThreadsOfMember(services.db, viewer.org.id, viewer.user.id, [threadId]);
        if (!fresh) queue.end(notAMember());
        else current = { ...fresh, lastEventSeq: Math.max(fresh.lastEventSeq, lastSeq) };
        return;
      }
      default:
        return;
    }
  }

  /**
   * A client resuming mid-answer has the body as last saved (up to ~500 ms old) and will get the
   * deltas from now on; the worker writing it is asked to write the text so far as a durable change,
   * which arrives as a MessageEvent and closes the gap between the two.
   */
  async function catchUpStreaming(): Promise<void> {
    if ((await streamingMessagesOf(services.db, threadId)).length === 0) return;
    await bus.publish([{ kind: 'flush', orgId: current.orgId, threadId }]);
  }

  // Replay first (from the cursor); events that arrived meanwhile are queued behind the gate and
  // run after it, deduplicated by position.
  const replayed = afterSeq !== undefined ? replay().then(catchUpStreaming) : Promise.resolve();
  replayed.then(openGate, (error) => queue.end(error));
  return queue;
}

/**
 * `viewerEvents`: what concerns the signed-in person across the threads of their current
 * organisation — new threads they are in, new messages in their threads (flagged when they are
 * @mentioned) — changes to its pinboard, goals and files. Live only; thread history is for `threadEvents`.
 */
export async function subscribeViewerEvents(services: AppServices, viewer: Viewer): Promise<AsyncQueue<ViewerEventPayload>> {
  ensurePreparer(services);
  const unsubscribers: Array<() => void> = [];
  const queue = new AsyncQueue<ViewerEventPayload>(() => unsubscribers.forEach((u) => u()));
  const membership = new Map<string, Promise<Thread | undefined>>();
  let chain: Promise<void> = Promise.resolve();

  const threadIfMember = (threadId: string) => {
    let entry = membership.get(threadId);
    if (!entry) {
      entry = findThreadsOfMember(services.db, viewer.org.id, viewer.user.id, [threadId]).then(([t]) => t);
      membership.set(threadId, entry);
    }
    return entry;
  };

  async function handle(event: BusEvent): Promise<void> {
    if (event.kind === 'org_member_removed') {
      if (event.userId === viewer.user.id) queue.end(notAMember());
      return;
    }
    if (event.kind === 'pinboard') {
      const payload = await pinboardEventFor(services, viewer, event);
      if (payload) queue.push(payload);
      return;
    }
    if (event.kind === 'file') {
      const payload = await fileEventFor(services, viewer, event);
      if (payload) queue.push(payload);
      return;
    }
    if (event.kind === 'notification') {
      if (event.userId !== viewer.user.id) return;
      const payload = await notificationEventFor(services, viewer, event);
      if (payload) queue.push(payload);
      return;
    }
    if (event.kind === 'goal') {
      const payload = await goalEventFor(services, viewer, event);
      if (payload) queue.push(payload);
      return;
    }
    if (event.kind === 'approval') {
      const thread = await threadIfMember(event.threadId);
      const payload = thread && (await approvalEventFor(services, viewer, event, thread));
      if (payload) queue.push(payload);
      return;
    }
    if (event.kind === 'thread') {
      membership.delete(event.threadId);
      if (event.change === 'deleted') {
        if (event.userIds?.includes(viewer.user.id)) queue.push({ type: 'thread_deleted', threadId: event.threadId, thread: null });
        return;
      }
      if (event.change !== 'created') return;
      const thread = await threadIfMember(event.threadId);
      if (thread) queue.push({ type: 'thread_created', thread, cursor: String(thread.lastEventSeq) });
      return;
    }
    if (event.kind !== 'message' || !event.created) return;
    const thread = await threadIfMember(event.threadId);
    if (!thread) return;
    const message = await messageOf(services, event);
    if (!message) return;
    queue.push({
      type: 'message',
      thread,
      cursor: String(event.eventSeq),
      message,
      created: true,
      mentionsViewer: event.mentions?.includes(viewer.user.id) ?? false,
    });
  }

  unsubscribers.push(
    services.bus.subscribe(topics.org(viewer.org.id), (event) => {
      chain = chain.then(() => handle(event)).catch((error) => queue.end(error));
    }),
  );
  // Online (for every process's notification sender): no notification by email meanwhile.
  const closeSession = await openLiveSession(services, viewer.user.id, null);
  if (queue.closed) closeSession();
  else unsubscribers.push(closeSession);
  return queue;
}
