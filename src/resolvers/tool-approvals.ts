import { builder } from '../schema/builder.ts';
import { RunRef } from '../schema/runs.ts';
import { TeammateRef } from '../schema/teammates.ts';
import { ThreadRef } from '../schema/threads.ts';
import { ToolApprovalRef, ToolApprovalStatusEnum, ToolPolicyEnum, ToolPolicySettingRef } from '../schema/tool-approvals.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../services/errors.ts';
import { approveToolCall, listApprovals, rejectToolCall, type ApprovalDecision } from '../agents/approvals/tool-approvals.ts';
import { setToolPolicy, toolPolicies } from '../services/tool-policies.ts';

builder.queryFields((t) => ({
  toolPolicies: t.field({
    type: [ToolPolicySettingRef],
    description: 'Tool policies set in the current organisation (the organisation’s and its teammates’). Tools without one: built-in AUTO, MCP tools ASK.',
    args: { teammateId: t.arg.globalID({ for: TeammateRef, description: 'Only what applies to this teammate (the organisation’s and its own).' }) },
    resolve: (_root, args, ctx) => toolPolicies(ctx.services, requireViewer(ctx), args.teammateId?.id),
  }),
  toolApprovals: t.field({
    type: [ToolApprovalRef],
    description: 'Tool calls in the caller’s threads that wait for (or were answered by) a person, newest first. `status: PENDING` gives the badge across threads.',
    args: {
      status: t.arg({ type: ToolApprovalStatusEnum, description: 'Only this status (e.g. PENDING).' }),
      threadId: t.arg.globalID({ for: ThreadRef, description: 'Only this thread.' }),
      first: t.arg.int({ description: 'At most this many (default 50, at most 200).' }),
    },
    resolve: (_root, args, ctx) => listApprovals(ctx.services, requireViewer(ctx), { status: args.status, threadId: args.threadId?.id, first: args.first }),
  }),
}));

const SetToolPolicyInput = builder.inputType('SetToolPolicyInput', {
  description: 'A tool’s policy for the organisation or one teammate.',
  fields: (t) => ({
    tool: t.string({ required: true, description: 'A built-in tool (`pinboard_post`) or `<MCP server>.<tool>`.' }),
    policy: t.field({ type: ToolPolicyEnum, required: true, description: 'AUTO, ASK or OFF.' }),
    teammateId: t.globalID({ for: TeammateRef, description: 'Only for this teammate (overrides the organisation’s).' }),
  }),
});

const ApproveToolCallInput = builder.inputType('ApproveToolCallInput', {
  description: 'Approve a pending tool call, optionally with edited arguments.',
  fields: (t) => ({
    approvalId: t.globalID({ required: true, for: ToolApprovalRef, description: 'The approval.' }),
    arguments: t.field({ type: 'JSON', description: 'Arguments to run it with instead (an object, checked against the tool’s schema).' }),
  }),
});

const RejectToolCallInput = builder.inputType('RejectToolCallInput', {
  description: 'Reject a pending tool call.',
  fields: (t) => ({
    approvalId: t.globalID({ required: true, for: ToolApprovalRef, description: 'The approval.' }),
    reason: t.string({ description: 'Why (at most 2000 characters); the teammate is told and answers.' }),
  }),
});

const ToolApprovalDecisionRef = builder.objectRef<ApprovalDecision>('ToolApprovalDecision').implement({
  description: 'An answered approval and the run it resumed.',
  fields: (t) => ({
    approval: t.field({ type: ToolApprovalRef, description: 'The approval, now APPROVED or REJECTED.', resolve: (d) => d.approval }),
    run: t.field({ type: RunRef, nullable: true, description: 'The run, QUEUED again to continue in a new job.', resolve: (d) => d.run ?? d.approval.runId }),
  }),
});

builder.mutationFields((t) => ({
  setToolPolicy: t.field({
    type: ToolPolicySettingRef,
    description: 'Sets whether a tool runs at once (AUTO), waits for a person (ASK) or is not offered (OFF), for the organisation or one teammate. Owners and admins.',
    errors: { types: [ValidationError, ForbiddenError, NotFoundError] },
    args: { input: t.arg({ type: SetToolPolicyInput, required: true }) },
    resolve: (_root, { input }, ctx) => setToolPolicy(ctx.services, requireViewer(ctx), { tool: input.tool, policy: input.policy, teammateId: input.teammateId?.id }),
  }),
  approveToolCall: t.field({
    type: ToolApprovalDecisionRef,
    description: 'Approves a pending tool call of a thread the caller is in: the run continues in a new job and the tool runs exactly once. A second answer is a ConflictError.',
    errors: { types: [ValidationError, NotFoundError, ConflictError] },
    args: { input: t.arg({ type: ApproveToolCallInput, required: true }) },
    resolve: (_root, { input }, ctx) => approveToolCall(ctx.services, requireViewer(ctx), { approvalId: input.approvalId.id, arguments: input.arguments ?? undefined }),
  }),
  rejectToolCall: t.field({
    type: ToolApprovalDecisionRef,
    description: 'Rejects a pending tool call: it does not run; the teammate hears the reason and answers. A second answer is a ConflictError.',
    errors: { types: [ValidationError, NotFoundError, ConflictError] },
    args: { input: t.arg({ type: RejectToolCallInput, required: true }) },
    resolve: (_root, { input }, ctx) => rejectToolCall(ctx.services, requireViewer(ctx), { approvalId: input.approvalId.id, reason: input.reason }),
  }),
}));
