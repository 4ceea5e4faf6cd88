import { useState } from 'react';
import { useLocation } from 'wouter';
import type { NotificationKind, WebNotificationFragment } from '../../../generated/graphql.ts';
import { useNotificationActions, useNotifications } from '../notifications.ts';

const KIND_LABEL: Record<NotificationKind, string> = {
  DIRECT_MESSAGE: 'Direct message',
  TEAM_MESSAGE: 'Team thread',
  MENTION: 'Mention',
  GOAL_SUCCEEDED: 'Goal done',
  GOAL_FAILED: 'Goal failed',
  TOOL_APPROVAL: 'Waiting for approval',
};

function when(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleDateString();
}

/**
 * A notification's `url` as a path of this app (the server gives a path; an absolute URL on this origin
 * is reduced to its path), or null for another site.
 */
export function appPath(url: string): string | null {
  try {
    const parsed = new URL(url, location.origin);
    return parsed.origin === location.origin ? `${parsed.pathname}${parsed.search}${parsed.hash}` : null;
  } catch {
    return null;
  }
}

/** Newest first, unread ones marked; a click marks it read and opens what it is about. */
export default function Notifications() {
  const { loaded, items, unreadCount, hasNextPage } = useNotifications();
  const { loadMore, markRead } = useNotificationActions();
  const [, navigate] = useLocation();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function open(n: WebNotificationFragment) {
    const path = appPath(n.url);
    if (path) navigate(path);
    else window.location.assign(n.url);
    if (!n.readAt) setError(await markRead({ ids: [n.id] }));
  }

  return (
    <section className="page notifications" aria-labelledby="notifications-title">
      <div className="toolbar">
        <h1 id="notifications-title">Notifications</h1>
        {unreadCount > 0 && (
          <button type="button" onClick={async () => setError(await markRead({ all: true }))}>
            Mark all as read
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {!loaded ? (
        <ul aria-busy="true" className="notification-list">
          {[0, 1, 2].map((i) => (
            <li key={i} className="skeleton" />
          ))}
        </ul>
      ) : items.length === 0 ? (
        <p className="empty">
          No notifications yet. You will find here new messages, mentions, finished goals and approvals that wait for you
          while you are away.
        </p>
      ) : (
        <ul className="notification-list" aria-label="Notifications list">
          {items.map((n) => (
            <li key={n.id} className={n.readAt ? 'read' : 'unread'}>
              <button type="button" className="notification" onClick={() => void open(n)} aria-describedby={`notification-${n.id}-body`}>
                <span className="notification-title">
                  {!n.readAt && <span className="dot" aria-label="Unread" role="img" />}
                  {n.title}
                </span>
                <span className="kind">{KIND_LABEL[n.kind]}</span>
                <time dateTime={n.updatedAt}>{when(n.updatedAt)}</time>
                <span className="notification-body" id={`notification-${n.id}-body`}>
                  {n.body}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {hasNextPage && (
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(await loadMore());
            setBusy(false);
          }}
        >
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
