import { z } from 'zod';

/**
 * Jobs of tool approvals, declared apart from their handlers (in `task-list.ts`) so services can
 * enqueue them without importing what runs them.
 */

/** Expires an approval nobody answered (runs at its `expires_at`); the run resumes as if rejected. */
export const expireApprovalJob = {
  name: 'tool_approvals__expire',
  payload: z.object({ approvalId: z.uuid() }),
  spec: { maxAttempts: 10 },
} as const;

export const expireApprovalJobKey = (approvalId: string) => `approval-expiry:${approvalId}`;
