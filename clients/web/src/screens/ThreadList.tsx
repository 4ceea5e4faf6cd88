import { useEffect, useState, type FormEvent } from 'react';
import { useClient, useMutation, useQuery } from 'urql';
import { Link, useLocation, useRoute } from 'wouter';
import {
  WebCreateThreadDocument,
  WebTeamDocument,
  WebThreadsDocument,
  WebViewerEventsDocument,
} from '../../../generated/graphql.ts';
import { useSocketState } from '../client.ts';
import { errorMessage } from '../errors.ts';
import { liveThreads, useLiveThreads, viewerEvents } from '../live.ts';

/** Loads the thread list and keeps it live from `viewerEvents`; mounted once, in the shell. */
export function LiveViewer() {
  const client = useClient();
  const { connection } = useSocketState();
  useEffect(() => {
    // Load (and after every reconnection, reload) what events may have changed meanwhile.
    let cancelled = false;
    void client
      .query(WebThreadsDocument, { first: 100 }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (!cancelled && result.data) liveThreads.reset(result.data.threads.edges.map((e) => e.node));
      });
    return () => {
      cancelled = true;
    };
  }, [client, connection]);
  useEffect(() => () => liveThreads.clear(), []);
  useEffect(() => {
    // A plain subscription (not useSubscription): these events update stores other components read.
    const subscription = client.subscription(WebViewerEventsDocument, {}).subscribe((result) => {
      const event = result.data?.viewerEvents;
      if (!event) return;
      if (event.__typename === 'ThreadDeletedEvent') liveThreads.remove(event.threadId);
      else if (event.thread) liveThreads.upsert(event.thread);
      if (event.__typename === 'MessageEvent' && event.mentionsViewer && event.thread) liveThreads.mention(event.thread.id, true);
      viewerEvents.emit(event);
    });
    return () => subscription.unsubscribe();
  }, [client]);
  return null;
}

function timeAgo(iso: string): string {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return 'now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h`;
  return new Date(iso).toLocaleDateString();
}

/** Threads by latest activity, with preview, unread badge and a mark when the viewer is mentioned. */
export function ThreadList({ compact = false }: { compact?: boolean }) {
  const { loaded, threads, mentioned } = useLiveThreads();
  const [, params] = useRoute('/threads/:id');
  return (
    <section className={compact ? 'thread-list compact' : 'thread-list page'} aria-label="Threads list">
      {!compact && <h1>Threads</h1>}
      {!compact && <NewThread />}
      {!loaded ? (
        <ul aria-busy="true">
          {[0, 1, 2].map((i) => (
            <li key={i} className="skeleton" />
          ))}
        </ul>
      ) : threads.length === 0 ? (
        <p className="empty">No threads yet. Hire a teammate in <Link href="/team">Team</Link> to start one.</p>
      ) : (
        <ul>
          {threads.map((thread) => {
            const name = thread.title ?? thread.leadTeammate?.name ?? 'Thread';
            const unread = thread.id === params?.id ? 0 : thread.unreadCount;
            return (
              <li key={thread.id} className={thread.id === params?.id ? 'current' : ''}>
                <Link href={`/threads/${thread.id}`} aria-current={thread.id === params?.id ? 'page' : undefined}>
                  <span className="thread-name">
                    {thread.leadTeammate?.appearance.emoji ? `${thread.leadTeammate.appearance.emoji} ` : ''}
                    {name}
                  </span>
                  {mentioned.has(thread.id) && unread > 0 && (
                    <span className="mention" aria-label="You were mentioned">
                      @
                    </span>
                  )}
                  {unread > 0 && (
                    <span className="badge" aria-label={`${unread} unread`}>
                      {unread}
                    </span>
                  )}
                  {!compact && <span className="preview">{thread.preview ?? ''}</span>}
                  <time dateTime={thread.lastActivityAt}>{timeAgo(thread.lastActivityAt)}</time>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** A new direct thread with one teammate, or a team thread with several. */
function NewThread() {
  const [{ data }] = useQuery({ query: WebTeamDocument });
  const [, createThread] = useMutation(WebCreateThreadDocument);
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);
  const teammates = data?.teammates.edges.map((e) => e.node) ?? [];
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const ids = form.getAll('teammate').map(String);
    const kind = ids.length === 1 && !form.get('title') ? 'DIRECT' : 'TEAM';
    const title = String(form.get('title') ?? '').trim();
    const result = await createThread({ input: { kind, teammateIds: ids, ...(title ? { title } : {}) } });
    const payload = result.data?.createThread;
    if (payload?.__typename === 'CreateThreadPayload') {
      liveThreads.upsert(payload.thread);
      navigate(`/threads/${payload.thread.id}`);
    } else setError(errorMessage(payload) ?? 'Could not create the thread.');
  }
  if (teammates.length === 0) return null;
  return (
    <details className="new-thread">
      <summary>New thread</summary>
      <form onSubmit={submit}>
        <fieldset>
          <legend>With</legend>
          {teammates.map((t) => (
            <label key={t.id} className="check">
              <input type="checkbox" name="teammate" value={t.id} /> {t.name}
            </label>
          ))}
        </fieldset>
        <label>
          Title (for a team thread)
          <input name="title" maxLength={200} />
        </label>
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit">Start thread</button>
      </form>
    </details>
  );
}
