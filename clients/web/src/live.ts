/**
 * What `viewerEvents` keeps live across the app: the thread list (by activity), which threads
 * mention the viewer, and file changes (for the Files screen). One subscription, in <LiveViewer/>.
 */
import { useSyncExternalStore } from 'react';
import type { WebThreadSummaryFragment, WebViewerEventsSubscription } from '../../generated/graphql.ts';

export type ViewerEvent = WebViewerEventsSubscription['viewerEvents'];

interface ThreadsState {
  loaded: boolean;
  threads: WebThreadSummaryFragment[];
  mentioned: ReadonlySet<string>;
}

let state: ThreadsState = { loaded: false, threads: [], mentioned: new Set() };
const listeners = new Set<() => void>();
const eventListeners = new Set<(event: ViewerEvent) => void>();

function set(next: ThreadsState) {
  state = next;
  for (const listener of listeners) listener();
}

const byActivity = (a: WebThreadSummaryFragment, b: WebThreadSummaryFragment) => b.lastActivityAt.localeCompare(a.lastActivityAt);

export const liveThreads = {
  reset(threads: WebThreadSummaryFragment[]) {
    set({ ...state, loaded: true, threads: [...threads].sort(byActivity) });
  },
  upsert(thread: WebThreadSummaryFragment) {
    const rest = state.threads.filter((t) => t.id !== thread.id);
    set({ ...state, threads: [...rest, thread].sort(byActivity) });
  },
  remove(id: string) {
    set({ ...state, threads: state.threads.filter((t) => t.id !== id) });
  },
  mention(id: string, on: boolean) {
    const mentioned = new Set(state.mentioned);
    if (on) mentioned.add(id);
    else mentioned.delete(id);
    set({ ...state, mentioned });
  },
  /** The thread is open and read: its badge goes to 0 at once, without waiting for the server. */
  markRead(id: string) {
    const thread = state.threads.find((t) => t.id === id);
    if (thread && thread.unreadCount > 0) liveThreads.upsert({ ...thread, unreadCount: 0 });
    if (state.mentioned.has(id)) liveThreads.mention(id, false);
  },
  clear() {
    set({ loaded: false, threads: [], mentioned: new Set() });
  },
};

export function useLiveThreads(): ThreadsState {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => state,
  );
}

export const viewerEvents = {
  emit(event: ViewerEvent) {
    for (const listener of eventListeners) listener(event);
  },
  on(listener: (event: ViewerEvent) => void) {
    eventListeners.add(listener);
    return () => {
      eventListeners.delete(listener);
    };
  },
};
