/**
 * What travels on the event bus between processes. Durable events (`message`) carry the thread's
 * event position (`eventSeq`) and can be replayed from the database; the others are ephemeral
 * (deltas, read positions, run status, membership changes) and only reach live subscribers.
 */
export type BusEvent =
  | {
      kind: 'message';
      orgId: string;
      threadId: string;
      messageId: string;
      eventSeq: number;
      /** Whether the message was created (vs. changed); drives "new message" notifications. */
      created: boolean;
      /** User ids @mentioned in the message. */
      mentions?: string[];
      /**
       * The message as it is at `eventSeq` (JSON: dates as ISO strings), when it fits the payload;
       * receivers then need not load it. Dropped from payloads that would be too large.
       */
      message?: Record<string, unknown>;
    }
  | { kind: 'delta'; orgId: string; threadId: string; messageId: string; delta: string; offset: number }
  | { kind: 'read'; orgId: string; threadId: string; userId: string; seq: number }
  /** A run changed status, or (with `progress`) reported where it stands while it keeps running. */
  | { kind: 'run'; orgId: string; threadId: string; runId: string; status: string; progress?: { stage: string; percent: number | null; message: string } }
  /** A goal was created, planned, changed status, or one of its tasks moved. */
  | { kind: 'goal'; orgId: string; threadId: string; goalId: string; change: GoalChange; taskId?: string }
  /** A subscriber resumed mid-answer: workers streaming replies in the thread write their text so far as a durable change. */
  | { kind: 'flush'; orgId: string; threadId: string }
  /** A thread was created, changed, changed members or was deleted (`userIds`: the people who were in it). */
  | { kind: 'thread'; orgId: string; threadId: string; change: 'created' | 'updated' | 'members' | 'deleted'; userIds?: string[] }
  | { kind: 'org_member_removed'; orgId: string; userId: string }
  /**
   * A credential stopped being valid: an API key was revoked (`apiKeyId`), or every credential of
   * the given kinds of a person (password changed: `token`; account deleted: all). Open streams
   * that use it end at once, in every process. Travels on the person's topic only.
   */
  | { kind: 'credentials_ended'; orgId?: undefined; userId: string; apiKeyId?: string; via?: Array<'token' | 'supabase' | 'api_key'>; reason: string }
  /** A pinboard post changed: for every member of the organisation (no thread topic); ephemeral. */
  | { kind: 'pinboard'; orgId: string; postId: string; change: PinboardChange; commentId?: string }
  /** A file of the organisation was stored, moved through ingestion or was deleted: for every member; ephemeral. */
  | { kind: 'file'; orgId: string; fileId: string; change: FileChange }
  /** A tool call started waiting for a person's approval, or was approved, rejected or expired; ephemeral. */
  | { kind: 'approval'; orgId: string; threadId: string; approvalId: string; status: string }
  /** One person's notification was created or changed (count, read); only that person's subscriptions pass it on; ephemeral. */
  | { kind: 'notification'; orgId: string; userId: string; notificationId: string };

export type PinboardChange = 'created' | 'updated' | 'deleted' | 'commented';

export type FileChange = 'uploaded' | 'processing' | 'ready' | 'failed' | 'deleted';

/**
 * Memoises `load` per event object. The bus hands the same event object to every local subscriber,
 * so what an event refers to (a post, a file) is loaded once per process, however many want it.
 */
export function oncePerEvent<E extends object, A extends unknown[], V>(load: (event: E, ...args: A) => Promise<V>): (event: E, ...args: A) => Promise<V> {
  const loaded = new WeakMap<E, Promise<V>>();
  return (event, ...args) => {
    let entry = loaded.get(event);
    if (!entry) loaded.set(event, (entry = load(event, ...args)));
    return entry;
  };
}

export type BusEventKind = BusEvent['kind'];

export type GoalChange = 'created' | 'planned' | 'task' | 'status';

/** Topics local subscribers listen on. Every event goes to its org topic; thread events also to the thread's. */
export const topics = {
  thread: (threadId: string) => `thread:${threadId}`,
  org: (orgId: string) => `org:${orgId}`,
  /** A person's credentials (`credentials_ended`), whatever the organisation. */
  user: (userId: string) => `user:${userId}`,
};

export function topicsOf(event: BusEvent): string[] {
  if (event.kind === 'credentials_ended') return [topics.user(event.userId)];
  const list = [topics.org(event.orgId)];
  if ('threadId' in event) list.push(topics.thread(event.threadId));
  return list;
}

/** Serialised events stay under PostgreSQL's 8000-byte NOTIFY limit: deltas are split when long. */
export const MAX_PAYLOAD_BYTES = 7_000;

export function encodeEvent(event: BusEvent): string[] {
  const payload = JSON.stringify(event);
  if (Buffer.byteLength(payload) <= MAX_PAYLOAD_BYTES) return [payload];
  // A long message travels by id: receivers load it from the database.
  if (event.kind === 'message' && event.message) return encodeEvent({ ...event, message: undefined });
  if (event.kind !== 'delta') throw new Error(`event ${event.kind} is too large for the bus`);
  // Split a long delta into chunks on character boundaries, each with its own offset.
  const chunks: string[] = [];
  const chars = [...event.delta];
  const size = 1_500; // characters; up to 4 bytes each in UTF-8, so well under the limit
  for (let i = 0, offset = event.offset; i < chars.length; i += size) {
    const delta = chars.slice(i, i + size).join('');
    chunks.push(JSON.stringify({ ...event, delta, offset }));
    offset += delta.length;
  }
  return chunks;
}
