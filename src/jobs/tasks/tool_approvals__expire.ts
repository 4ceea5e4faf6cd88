import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import type { JobPayloads } from '../../core/jobs.ts';
import { expireApproval } from '../../agents/approvals/tool-approvals.ts';
import { defineTask } from '../define-task.ts';

const payload = z.object({ approvalId: z.uuid() }) satisfies z.ZodType<JobPayloads['tool_approvals__expire']>;

/**
 * Expires a tool approval nobody answered; enqueued with the approval to run at its `expiresAt`
 * (TOOL_APPROVAL_TTL_SECONDS), keyed by `expireApprovalJobKey`. The run resumes as if rejected.
 */
export const expireApprovalTask = defineTask<AppServices, typeof payload>({
  name: 'tool_approvals__expire',
  payload,
  spec: { maxAttempts: 10 },
  run: ({ approvalId }, services) => expireApproval(services, approvalId),
});
