import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useClient, useMutation } from 'urql';
import { Link, useLocation } from 'wouter';
import {
  WebCancelRunDocument,
  WebCreateGoalDocument,
  WebMarkReadDocument,
  WebResetSessionDocument,
  WebSendMessageDocument,
  WebThreadDocument,
  WebThreadEventsDocument,
  WebToolApprovalsDocument,
  type WebThreadQuery,
} from '../../../generated/graphql.ts';
import { useSocketState } from '../client.ts';
import { Markdown } from '../components/Markdown.tsx';
import { ApprovalList, type Approval } from '../components/Approvals.tsx';
import { pendingApprovals } from '../approvals.ts';
import { Composer, type Mentionable } from '../components/Composer.tsx';
import { errorMessage } from '../errors.ts';
import { liveThreads, viewerEvents } from '../live.ts';
import { applyDelta, prependPage, upsertMessage, type ThreadMessage } from '../thread-state.ts';

const PAGE = 30;
type Thread = NonNullable<WebThreadQuery['thread']>;
interface ActiveRun {
  id: string;
  teammate: string;
}

/** One thread: history paging back on scroll up, live events resumed from the last cursor, the composer. */
export function ThreadView({ id, viewerId }: { id: string; viewerId: string }) {
  const client = useClient();
  const [thread, setThread] = useState<Thread | null>(null);
  const [missing, setMissing] = useState(false);
  const [messages, setMessages] = useState<ThreadMessage[]>([]);
  const [olderCursor, setOlderCursor] = useState<string | null>(null);
  const [runs, setRuns] = useState<Map<string, ActiveRun>>(new Map());
  const [notice, setNotice] = useState<string | null>(null);
  const [approvals, setApprovals] = useState<ReadonlyMap<string, Approval>>(new Map());
  const cursor = useRef<string | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const { state, connection } = useSocketState();
  const [reload, setReload] = useState(0);

  const load = useCallback(async () => {
    const result = await client.query(WebThreadDocument, { id, last: PAGE }, { requestPolicy: 'network-only' }).toPromise();
    const t = result.data?.thread;
    if (!t) {
      if (result.data) setMissing(true);
      return;
    }
    setThread(t);
    cursor.current = t.eventCursor;
    setMessages((current) => t.messages.edges.reduce((acc, e) => upsertMessage(acc, e.node), current));
    setOlderCursor(t.messages.pageInfo.hasPreviousPage ? (t.messages.pageInfo.startCursor ?? null) : null);
  }, [client, id]);

  useEffect(() => {
    void load();
  }, [load, reload]);

  // A file attached while still processing has no download URL yet, and a generated one may be attached
  // after the reply's last event: read the messages again once such a file is READY.
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  useEffect(
    () =>
      viewerEvents.on((event) => {
        if (event.__typename !== 'FileEvent' || event.change !== 'READY') return;
        // Also a file a teammate's run made for its reply (attached as the run ends).
        const runId = event.file?.generatedBy?.id;
        if (messagesRef.current.some((m) => (runId && m.run?.id === runId) || m.files.some((f) => f.id === event.fileId && !f.downloadUrl))) setReload((n) => n + 1);
      }),
    [],
  );

  // Pending tool approvals: read again on every (re)connection, as approval events are not replayed.
  const updateApproval = useCallback((approval: Approval) => {
    pendingApprovals.update(approval.id, approval.thread.id, approval.status === 'PENDING');
    setApprovals((current) => {
      const next = new Map(current);
      if (approval.status === 'PENDING') next.set(approval.id, approval);
      else next.delete(approval.id);
      return next;
    });
  }, []);
  useEffect(() => {
    let cancelled = false;
    void client
      .query(WebToolApprovalsDocument, { threadId: id }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (!cancelled && result.data) setApprovals(new Map(result.data.toolApprovals.map((a) => [a.id, a])));
      });
    return () => {
      cancelled = true;
    };
  }, [client, id, connection, reload]);

  // Live events: subscribe from the last cursor; when the socket drops, let go, and resume from the
  // newest cursor once it is back (the server replays what was missed, merging is idempotent).
  const live = thread !== null && state !== 'reconnecting';
  useEffect(() => {
    if (!live) return;
    const subscription = client.subscription(WebThreadEventsDocument, { threadId: id, after: cursor.current }).subscribe((result) => {
      const event = result.data?.threadEvents;
      if (!event) return;
      cursor.current = event.cursor;
      if (event.__typename === 'MessageEvent') {
        setMessages((current) => upsertMessage(current, event.message));
        if (['COMPLETE', 'FAILED', 'CANCELLED'].includes(event.message.status) && event.message.run) {
          const runId = event.message.run.id;
          setRuns((current) => (current.has(runId) ? new Map([...current].filter(([k]) => k !== runId)) : current));
        }
      } else if (event.__typename === 'MessageDeltaEvent') {
        setMessages((current) => {
          const next = applyDelta(current, event.messageId, event.delta, event.offset);
          if (next === null) {
            setReload((n) => n + 1); // text missing before this delta: reload the page of messages
            return current;
          }
          return next;
        });
      } else if (event.__typename === 'ApprovalEvent') {
        updateApproval(event.approval);
      } else if (event.__typename === 'RunEvent') {
        setRuns((current) => {
          const next = new Map(current);
          if (event.status === 'QUEUED' || event.status === 'RUNNING') next.set(event.run.id, { id: event.run.id, teammate: event.run.teammate.name });
          else next.delete(event.run.id);
          return next;
        });
      }
    });
    return () => subscription.unsubscribe();
  }, [client, id, live, connection, updateApproval]);

  // Keep the newest message in view while the reader is at the bottom; keep the place when paging back.
  useLayoutEffect(() => {
    const el = list.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const [, markRead] = useMutation(WebMarkReadDocument);
  const lastSeq = messages.reduce((max, m) => (m.pending ? max : Math.max(max, m.seq)), 0);
  const readSeq = useRef(0);
  useEffect(() => {
    if (!thread || lastSeq <= Math.max(readSeq.current, thread.viewerLastReadSeq) || !stick.current || document.hidden) return;
    readSeq.current = lastSeq;
    liveThreads.markRead(id);
    void markRead({ threadId: id, seq: lastSeq });
  }, [id, lastSeq, thread, markRead]);

  async function loadOlder() {
    if (!olderCursor) return;
    const el = list.current;
    const before = el ? el.scrollHeight - el.scrollTop : 0;
    const cursorAtStart = olderCursor;
    setOlderCursor(null);
    const result = await client.query(WebThreadDocument, { id, last: PAGE, before: cursorAtStart }, { requestPolicy: 'network-only' }).toPromise();
    const page = result.data?.thread?.messages;
    if (!page) return setOlderCursor(cursorAtStart);
    setMessages((current) => prependPage(current, page.edges.map((e) => e.node)));
    setOlderCursor(page.pageInfo.hasPreviousPage ? (page.pageInfo.startCursor ?? null) : null);
    requestAnimationFrame(() => {
      if (el) el.scrollTop = el.scrollHeight - before;
    });
  }

  function onScroll() {
    const el = list.current;
    if (!el) return;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 80) void loadOlder();
  }

  const [, send] = useMutation(WebSendMessageDocument);
  async function sendMessage(body: string, fileIds: string[], clientMessageId: string = crypto.randomUUID()) {
    const optimistic: ThreadMessage = {
      id: `pending:${clientMessageId}`,
      seq: Number.MAX_SAFE_INTEGER,
      body,
      status: 'PENDING',
      error: null,
      authorKind: 'USER',
      clientMessageId,
      createdAt: new Date().toISOString(),
      authorUser: { id: viewerId, displayName: 'You' },
      authorTeammate: null,
      run: null,
      files: [],
      pending: 'sending',
    };
    stick.current = true;
    setMessages((current) => [...current.filter((m) => m.id !== optimistic.id), optimistic]);
    const result = await send({ input: { threadId: id, body, fileIds, clientMessageId } });
    const payload = result.data?.sendMessage;
    if (payload?.__typename === 'SendMessagePayload') {
      setMessages((current) => upsertMessage(current, payload.message));
    } else {
      const reason = payload && 'errorMessage' in payload ? payload.errorMessage : 'Not sent: the server could not be reached.';
      setMessages((current) => current.map((m) => (m.id === optimistic.id ? { ...m, pending: 'failed', error: reason } : m)));
    }
  }

  const [, cancelRun] = useMutation(WebCancelRunDocument);
  const [, resetSession] = useMutation(WebResetSessionDocument);
  async function stop() {
    await Promise.all([...runs.keys()].map((runId) => cancelRun({ runId })));
  }
  async function reset() {
    if (!window.confirm('Start a fresh session? Teammates will no longer see the earlier messages.')) return;
    const result = await resetSession({ threadId: id });
    setNotice(errorMessage(result.data?.resetThreadSession ?? null) ?? 'A fresh session started.');
  }

  // Teammates still writing (a streaming reply) count as working even before their RunEvent arrives.
  const working = new Map(runs);
  for (const m of messages) {
    if (m.status === 'STREAMING' && m.run && m.run.status !== 'WAITING_FOR_APPROVAL' && !working.has(m.run.id)) working.set(m.run.id, { id: m.run.id, teammate: m.authorTeammate?.name ?? 'A teammate' });
  }
  // A run parked on a person's decision is waiting, not typing.
  const pendingList = [...approvals.values()];
  for (const a of pendingList) working.delete(a.run.id);
  const names = [...new Set([...working.values()].map((r) => r.teammate))];
  const waiting = [...new Set(pendingList.map((a) => a.teammate.name))];

  if (missing) return <p>This thread does not exist or you are not in it. <Link href="/threads">All threads</Link></p>;
  const mentionables: Mentionable[] = (thread?.members ?? []).flatMap((m) =>
    m.teammate ? [{ id: m.teammate.id, label: m.teammate.name, handle: m.teammate.handle }] : m.user ? [{ id: m.user.id, label: m.user.displayName, handle: m.user.displayName }] : [],
  );
  const title = thread ? (thread.title ?? thread.leadTeammate?.name ?? 'Thread') : '';

  return (
    <section className="thread" aria-label={title || 'Thread'}>
      <header className="thread-header">
        <h1>{title || '…'}</h1>
        <div className="actions">
          <GoalStarter threadId={id} />
          <button type="button" onClick={() => void reset()}>
            Reset session
          </button>
        </div>
      </header>
      {notice && <p role="status" className="notice">{notice}</p>}
      <div className="messages" ref={list} onScroll={onScroll} aria-live="polite" aria-busy={!thread}>
        {olderCursor && (
          <button type="button" className="older" onClick={() => void loadOlder()}>
            Load older messages
          </button>
        )}
        {!thread && [0, 1, 2].map((i) => <div key={i} className="skeleton message" />)}
        {thread && messages.length === 0 && <p className="empty">No messages yet. Say hello below.</p>}
        {messages.map((m) => (
          <MessageItem key={m.id} message={m} onRetry={() => void sendMessage(m.body, [], m.clientMessageId ?? undefined)} />
        ))}
      </div>
      <ApprovalList approvals={pendingList} onDecided={updateApproval} />
      <div className="working" role="status" aria-live="polite">
        {waiting.length > 0 && <span className="waiting">{waiting.join(', ')} {waiting.length === 1 ? 'is' : 'are'} waiting for approval.</span>}
        {names.length > 0 && (
          <>
            <span>{names.join(', ')} {names.length === 1 ? 'is' : 'are'} typing…</span>
            <button type="button" className="stop" onClick={() => void stop()}>
              Stop
            </button>
          </>
        )}
      </div>
      <Composer threadId={id} mentionables={mentionables} onSend={sendMessage} onEscape={() => void stop()} />
    </section>
  );
}

function MessageItem({ message, onRetry }: { message: ThreadMessage; onRetry(): void }) {
  const author = message.authorTeammate?.name ?? message.authorUser?.displayName ?? (message.authorKind === 'SYSTEM' ? 'Tmates' : 'Someone');
  const time = new Date(message.createdAt);
  return (
    <article
      className={`message ${message.authorKind.toLowerCase()} status-${message.status.toLowerCase()}${message.pending ? ` pending-${message.pending}` : ''}`}
      aria-label={`${author}, ${time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`}
      data-status={message.status}
    >
      <header>
        <span className="author">
          {message.authorTeammate?.appearance.emoji ? `${message.authorTeammate.appearance.emoji} ` : ''}
          {author}
        </span>
        <time dateTime={message.createdAt} title={time.toLocaleString()}>
          {time.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
        </time>
      </header>
      <div className="body">
        {message.body ? <Markdown text={message.body} /> : message.status === 'STREAMING' || message.status === 'PENDING' ? <span className="dots">…</span> : null}
      </div>
      {message.files.length > 0 && (
        <ul className="attachments" aria-label="Attachments">
          {message.files.map((f) => (
            <li key={f.id}>
              {f.downloadUrl && f.contentType.startsWith('image/') && (
                <a href={f.downloadUrl} target="_blank" rel="noopener noreferrer" className="inline-image">
                  <img src={f.downloadUrl} alt={`${f.name} (image${message.authorTeammate ? ` by ${message.authorTeammate.name}` : ''})`} loading="lazy" />
                </a>
              )}
              {f.downloadUrl ? <a href={f.downloadUrl} target="_blank" rel="noopener noreferrer">{f.name}</a> : f.name} ({f.contentType}, {formatSize(f.size)})
            </li>
          ))}
        </ul>
      )}
      {message.status === 'FAILED' && <p className="error">Failed{message.error ? `: ${message.error}` : ''}</p>}
      {message.status === 'CANCELLED' && <p className="muted">Cancelled{message.error ? `: ${message.error}` : ''}</p>}
      {message.pending === 'sending' && <p className="muted">Sending…</p>}
      {message.pending === 'failed' && (
        <p className="error">
          {message.error ?? 'Not sent.'}{' '}
          <button type="button" onClick={onRetry}>
            Retry
          </button>
        </p>
      )}
    </article>
  );
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "Start a goal" from this thread: the instruction, then on to the goal's live page. */
function GoalStarter({ threadId }: { threadId: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [, createGoal] = useMutation(WebCreateGoalDocument);
  const [, navigate] = useLocation();
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Start a goal
      </button>
    );
  }
  return (
    <form
      className="goal-form"
      onSubmit={async (event) => {
        event.preventDefault();
        const instruction = String(new FormData(event.currentTarget).get('instruction') ?? '').trim();
        if (!instruction) return;
        const result = await createGoal({ input: { threadId, instruction } });
        const goal = result.data?.createGoal;
        if (goal?.__typename === 'Goal') navigate(`/goals/${goal.id}`);
        else setError(errorMessage(goal ?? null));
      }}
    >
      <label>
        Goal
        <input name="instruction" required maxLength={2000} autoFocus />
      </label>
      <button type="submit">Start goal</button>
      <button type="button" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}
