import { encodeGlobalID } from '@pothos/plugin-relay';
import { findVisibleApprovals, type ToolApproval } from '../repositories/tool-approvals.ts';
import type { ToolPolicy } from '../repositories/tool-policies.ts';
import type { ApprovalEventPayload } from '../services/approval-events.ts';
import { builder } from './builder.ts';
import { isType, ThreadEventRef, ViewerEventRef } from './events.ts';
import { RunRef } from './runs.ts';
import { TeammateRef } from './teammates.ts';
import { ThreadRef } from './threads.ts';
import { UserRef } from './users.ts';

export const ToolPolicyEnum = builder.enumType('ToolPolicy', {
  description: 'What happens when a teammate calls a tool.',
  values: {
    AUTO: { value: 'auto', description: 'It runs at once (default for built-in tools).' },
    ASK: { value: 'ask', description: 'It waits for a person of the thread to approve or reject it (default for MCP tools).' },
    OFF: { value: 'off', description: 'It is not offered to the teammate.' },
  } as const,
});

export const ToolApprovalStatusEnum = builder.enumType('ToolApprovalStatus', {
  description: 'Where a tool call waiting for a person stands.',
  values: {
    PENDING: { value: 'pending', description: 'Waiting for a person; the run is WAITING_FOR_APPROVAL.' },
    APPROVED: { value: 'approved', description: 'Approved: the tool runs (once) and the run continues.' },
    REJECTED: { value: 'rejected', description: 'Rejected (or its run was cancelled): the tool did not run; the teammate was told why.' },
    EXPIRED: { value: 'expired', description: 'Nobody answered within TOOL_APPROVAL_TTL_SECONDS: handled as a rejection.' },
  } as const,
});

export const ToolPolicySettingRef = builder.objectRef<ToolPolicy>('ToolPolicySetting').implement({
  description: 'A tool policy set in the organisation, for everyone or for one teammate (which overrides the organisation’s).',
  fields: (t) => ({
    tool: t.exposeString('tool', { description: 'The tool: a built-in name (`pinboard_post`) or `<MCP server>.<tool>`.' }),
    policy: t.field({ type: ToolPolicyEnum, description: 'AUTO, ASK or OFF.', resolve: (p) => p.policy }),
    teammate: t.field({ type: TeammateRef, nullable: true, description: 'The teammate it applies to; null: the whole organisation.', resolve: (p) => p.teammateId }),
    updatedBy: t.field({ type: UserRef, nullable: true, description: 'Who set it last.', resolve: (p) => p.updatedBy }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was set last.' }),
  }),
});

export const ToolApprovalRef = builder.loadableNode('ToolApproval', {
  description: 'A tool call of a teammate that waits for (or was answered by) a person of the thread.',
  id: { resolve: (a: ToolApproval) => a.id },
  sort: (a) => a.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findVisibleApprovals(ctx.db, ctx.viewer.org.id, ctx.viewer.user.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    tool: t.exposeString('tool', { description: 'The tool: a built-in name (`pinboard_post`) or `<MCP server>.<tool>`.' }),
    arguments: t.expose('arguments', { type: 'JSON', description: 'The arguments it runs with: the model’s, or the approver’s edit of them.' }),
    status: t.field({ type: ToolApprovalStatusEnum, description: 'Pending, approved, rejected or expired.', resolve: (a) => a.status }),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it was rejected, as the teammate was told.' }),
    teammate: t.field({ type: TeammateRef, description: 'Who wants to call the tool.', resolve: (a) => a.teammateId }),
    run: t.field({ type: RunRef, description: 'The run that waits.', resolve: (a) => a.runId }),
    thread: t.field({ type: ThreadRef, description: 'Where the run works.', resolve: (a) => a.threadId }),
    decidedBy: t.field({ type: UserRef, nullable: true, description: 'Who answered (null while pending, on expiry or when the run was cancelled).', resolve: (a) => a.decidedBy }),
    decidedAt: t.expose('decidedAt', { type: 'DateTime', nullable: true, description: 'When it was answered.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When it expires (as a rejection) if nobody answers.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the teammate asked.' }),
    viewerCanDecide: t.boolean({ description: 'Still pending: the caller (a person of the thread) may approve or reject it.', resolve: (a) => a.status === 'pending' }),
  }),
});

builder.objectRef<ApprovalEventPayload>('ApprovalEvent').implement({
  description: 'A tool call started waiting for approval, or was approved, rejected or expired. On `threadEvents` and on `viewerEvents` of the thread’s people. Ephemeral: read `toolApprovals` after reconnecting.',
  interfaces: [ViewerEventRef, ThreadEventRef],
  isTypeOf: isType('approval'),
  fields: (t) => ({
    approval: t.field({ type: ToolApprovalRef, description: 'The approval as it is now.', resolve: (e) => e.approval }),
    approvalId: t.id({ description: 'Its global id.', resolve: (e) => encodeGlobalID('ToolApproval', e.approval.id) }),
  }),
});
