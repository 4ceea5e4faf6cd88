/**
 * The viewer's notifications in the current organisation, for the bell and the Notifications screen:
 * the first page and the unread count are loaded with `notifications(first)` (again after every
 * reconnection, as NotificationEvents are live only), further pages on "Load more", and kept live from
 * `NotificationEvent`s on `viewerEvents`. The unread count is the server's (`unreadCount`), re-read
 * after each event, since an event alone cannot tell a new notification from a coalesced one.
 */
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { useClient, type Client } from 'urql';
import {
  WebMarkNotificationsReadDocument,
  WebNotificationUnreadCountDocument,
  WebNotificationsDocument,
  type WebNotificationFragment,
} from '../../generated/graphql.ts';
import { useSocketState } from './client.ts';
import { errorMessage } from './errors.ts';
import { viewerEvents } from './live.ts';

export const NOTIFICATIONS_PAGE = 20;

export interface NotificationsState {
  loaded: boolean;
  unreadCount: number;
  /** Newest first. */
  items: WebNotificationFragment[];
  /** Where "Load more" continues; null when every page is here. */
  endCursor: string | null;
  hasNextPage: boolean;
}

const EMPTY: NotificationsState = { loaded: false, unreadCount: 0, items: [], endCursor: null, hasNextPage: false };
let state: NotificationsState = EMPTY;
const listeners = new Set<() => void>();

function set(next: NotificationsState) {
  state = next;
  for (const listener of listeners) listener();
}

const newestFirst = (a: WebNotificationFragment, b: WebNotificationFragment) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

/** `items` with `changed` replacing their namesakes; new ones are added only when they belong to the loaded range. */
function merge(items: WebNotificationFragment[], changed: WebNotificationFragment[], addNew: boolean): WebNotificationFragment[] {
  const byId = new Map(items.map((n) => [n.id, n]));
  for (const n of changed) if (byId.has(n.id) || addNew) byId.set(n.id, n);
  return [...byId.values()].sort(newestFirst);
}

export const notificationsStore = {
  get: () => state,
  reset(page: Omit<NotificationsState, 'loaded'>) {
    set({ ...page, items: [...page.items].sort(newestFirst), loaded: true });
  },
  appendPage(page: { items: WebNotificationFragment[]; endCursor: string | null; hasNextPage: boolean }) {
    set({ ...state, items: merge(state.items, page.items, true), endCursor: page.endCursor, hasNextPage: page.hasNextPage });
  },
  /** A created or changed notification (an event, a mutation's payload). */
  upsert(changed: WebNotificationFragment[], unreadCount?: number) {
    // A notification older than the last loaded one comes with its page, not here.
    const oldest = state.items.at(-1);
    const fresh = changed.filter((n) => !state.hasNextPage || !oldest || newestFirst(n, oldest) <= 0);
    set({ ...state, items: merge(state.items, fresh, true), unreadCount: unreadCount ?? state.unreadCount });
  },
  setUnreadCount(unreadCount: number) {
    if (unreadCount !== state.unreadCount) set({ ...state, unreadCount });
  },
  clear() {
    set(EMPTY);
  },
};

export function useNotifications(): NotificationsState {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => state,
  );
}

/** Keeps `notificationsStore` current; mounted once, in the shell. */
export function LiveNotifications() {
  const client = useClient();
  const { connection } = useSocketState();
  useEffect(() => {
    let cancelled = false;
    void client
      .query(WebNotificationsDocument, { first: NOTIFICATIONS_PAGE }, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        const page = result.data?.notifications;
        if (cancelled || !page) return;
        notificationsStore.reset({
          unreadCount: page.unreadCount,
          items: page.edges.map((e) => e.node),
          endCursor: page.pageInfo.endCursor ?? null,
          hasNextPage: page.pageInfo.hasNextPage,
        });
      });
    return () => {
      cancelled = true;
    };
  }, [client, connection]);
  useEffect(() => {
    // Several events in a burst (mark all read elsewhere) re-read the count once.
    let pending: ReturnType<typeof setTimeout> | undefined;
    const stop = viewerEvents.on((event) => {
      if (event.__typename !== 'NotificationEvent') return;
      notificationsStore.upsert([event.notification]);
      clearTimeout(pending);
      pending = setTimeout(() => void refreshUnreadCount(client), 50);
    });
    return () => {
      clearTimeout(pending);
      stop();
    };
  }, [client]);
  useEffect(() => () => notificationsStore.clear(), []);
  return null;
}

async function refreshUnreadCount(client: Client) {
  const result = await client.query(WebNotificationUnreadCountDocument, {}, { requestPolicy: 'network-only' }).toPromise();
  if (result.data) notificationsStore.setUnreadCount(result.data.notifications.unreadCount);
}

/** Load more, mark read (some or all): each returns an error message, or null when it worked. */
export function useNotificationActions() {
  const client = useClient();
  const loadMore = useCallback(async (): Promise<string | null> => {
    const { endCursor } = notificationsStore.get();
    const result = await client.query(WebNotificationsDocument, { first: NOTIFICATIONS_PAGE, after: endCursor }, { requestPolicy: 'network-only' }).toPromise();
    const page = result.data?.notifications;
    if (!page) return result.error?.message ?? 'Could not load more notifications.';
    notificationsStore.appendPage({ items: page.edges.map((e) => e.node), endCursor: page.pageInfo.endCursor ?? null, hasNextPage: page.pageInfo.hasNextPage });
    notificationsStore.setUnreadCount(page.unreadCount);
    return null;
  }, [client]);
  const markRead = useCallback(
    async (input: { ids: string[] } | { all: true }): Promise<string | null> => {
      const result = await client.mutation(WebMarkNotificationsReadDocument, { input }).toPromise();
      const payload = result.data?.markNotificationsRead;
      if (payload?.__typename === 'MarkNotificationsReadPayload') {
        notificationsStore.upsert(payload.notifications, payload.unreadCount);
        return null;
      }
      return errorMessage(payload ?? null) ?? result.error?.message ?? 'Could not mark the notifications read.';
    },
    [client],
  );
  return { loadMore, markRead };
}

/**
 * While a thread is open, its unread notifications (those loaded) are read: the person is looking at
 * what they announce. Mounted in the shell with the open thread's id.
 */
export function useReadNotificationsOfThread(threadId: string | null) {
  const { items } = useNotifications();
  const { markRead } = useNotificationActions();
  const ids = threadId ? items.filter((n) => !n.readAt && n.thread?.id === threadId && !marking.has(n.id)).map((n) => n.id) : [];
  const key = ids.join(',');
  useEffect(() => {
    if (!key) return;
    const batch = key.split(',');
    for (const id of batch) marking.add(id);
    void markRead({ ids: batch }).finally(() => {
      for (const id of batch) marking.delete(id);
    });
  }, [key, markRead]);
}

/** Notifications being marked read by `useReadNotificationsOfThread` (not asked twice meanwhile). */
const marking = new Set<string>();
