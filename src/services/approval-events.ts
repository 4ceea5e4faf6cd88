import type { BusEvent } from '../realtime/events.ts';
import { type Viewer } from '../core/viewer.ts';
import type { Emit } from '../realtime/transactional.ts';
import { findVisibleApprovals, rejectPendingOfRuns, type ToolApproval } from '../repositories/tool-approvals.ts';
import { findThreadsOfMember, type Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';


/** What `threadEvents` / `viewerEvents` subscribers receive when an approval changes (before GraphQL shapes it). */
export interface ApprovalEventPayload {
  type: 'approval';
  thread: Thread;
  cursor: string;
  approval: ToolApproval;
}

type ApprovalBusEvent = Extract<BusEvent, { kind: 'approval' }>;

export const approvalEvent = (approval: Pick<ToolApproval, 'id' | 'orgId' | 'threadId' | 'status'>) =>
  ({ kind: 'approval', orgId: approval.orgId, threadId: approval.threadId, approvalId: approval.id, status: approval.status }) as const;

/**
 * Pending approvals of runs that were just cancelled become REJECTED ("the run was cancelled"),
 * so nothing stays waiting for a run that will not resume. Inside the cancelling transaction.
 */
export async function rejectApprovalsOfCancelledRuns(trx: Parameters<typeof rejectPendingOfRuns>[0], emit: Emit, runIds: readonly string[]): Promise<void> {
  for (const approval of await rejectPendingOfRuns(trx, runIds, 'The run was cancelled')) await emit(approvalEvent(approval));
}

/**
 * The payload of an approval event for one subscriber: the people of the approval's thread get it
 * (on `threadEvents` with the thread they watch, on `viewerEvents` for a badge across threads);
 * undefined for anyone else.
 */
export async function approvalEventFor(
  services: AppServices,
  viewer: Viewer,
  event: ApprovalBusEvent,
  thread?: Thread,
  cursor?: string,
): Promise<ApprovalEventPayload | undefined> {
  if (event.orgId !== viewer.org.id) return undefined;
  const inThread = thread ?? (await findThreadsOfMember(services.db, viewer.org.id, viewer.user.id, [event.threadId]))[0];
  if (!inThread) return undefined;
  const [approval] = await findVisibleApprovals(services.db, viewer.org.id, viewer.user.id, [event.approvalId]);
  if (!approval) return undefined;
  return { type: 'approval', thread: inThread, cursor: cursor ?? String(inThread.lastEventSeq), approval };
}
