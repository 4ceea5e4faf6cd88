/**
 * Tool calls waiting for a person, across the viewer's threads: loaded with `toolApprovals(status:
 * PENDING)` (again after every reconnection, as approval events are not replayed) and kept live from
 * `ApprovalEvent`s on `viewerEvents`. Read by the sidebar badge and the thread list.
 */
import { useEffect, useSyncExternalStore } from 'react';
import { useClient } from 'urql';
import { WebToolApprovalsDocument } from '../../generated/graphql.ts';
import { useSocketState } from './client.ts';
import { viewerEvents } from './live.ts';

/** Pending approval id → its thread id. */
let pending: ReadonlyMap<string, string> = new Map();
const listeners = new Set<() => void>();

function set(next: ReadonlyMap<string, string>) {
  pending = next;
  for (const listener of listeners) listener();
}

export const pendingApprovals = {
  reset(entries: Array<[string, string]>) {
    set(new Map(entries));
  },
  update(approvalId: string, threadId: string, isPending: boolean) {
    if (isPending === pending.has(approvalId)) return;
    const next = new Map(pending);
    if (isPending) next.set(approvalId, threadId);
    else next.delete(approvalId);
    set(next);
  },
};

export function usePendingApprovals(): ReadonlyMap<string, string> {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => pending,
  );
}

/** Pending approvals per thread id. */
export function countByThread(map: ReadonlyMap<string, string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const threadId of map.values()) counts.set(threadId, (counts.get(threadId) ?? 0) + 1);
  return counts;
}

/** Keeps `pendingApprovals` current; mounted once, in the shell. */
export function LiveApprovals() {
  const client = useClient();
  const { connection } = useSocketState();
  useEffect(() => {
    let cancelled = false;
    void client
      .query(WebToolApprovalsDocument, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then((result) => {
        if (!cancelled && result.data) pendingApprovals.reset(result.data.toolApprovals.map((a) => [a.id, a.thread.id]));
      });
    return () => {
      cancelled = true;
    };
  }, [client, connection]);
  useEffect(
    () =>
      viewerEvents.on((event) => {
        if (event.__typename === 'ApprovalEvent' && event.thread) pendingApprovals.update(event.approvalId, event.thread.id, event.approval.status === 'PENDING');
      }),
    [],
  );
  useEffect(() => () => pendingApprovals.reset([]), []);
  return null;
}
