import { sql } from 'kysely';
import { z } from 'zod';
import type { AwaitingApproval } from '../approvals/resume-state.ts';
import { IMPLEMENTED_TOOLS } from '../tools/registry.ts';
import { MCP_TOOL_NAME } from '../../catalog/mcp-tool-names.ts';
import { mcpInputSchema } from '../tools/mcp-tools.ts';
import type { ToolName } from '../../catalog/tool-names.ts';
import type { Executor } from '../../db/database.ts';
import { expireApprovalJobKey, runJobKey, turnQueue } from '../../repositories/jobs.ts';
import type { JobQueue } from '../../core/jobs.ts';
import { transactionWithEvents, type Emit } from '../../realtime/transactional.ts';
import { updateTask } from '../../repositories/goals.ts';
import { mcpServersOfOrg } from '../../repositories/mcp-servers.ts';
import { reviseMessage } from '../../repositories/messages.ts';
import { markRunWaiting, requeueWaitingRun, type Run } from '../../repositories/runs.ts';
import { lockThread } from '../../repositories/threads.ts';
import { decideApproval, findApproval, findVisibleApprovals, insertApproval, listVisibleApprovals, type ApprovalStatus, type ToolApproval } from '../../repositories/tool-approvals.ts';
import type { AppServices } from '../../core/context.ts';
import { approvalEvent } from '../../services/approval-events.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../services/errors.ts';
import { goalEvent } from '../../services/goal-runs.ts';
import { messageEvent } from '../../services/message-events.ts';
import { notifyAbout } from '../../services/notify.ts';
import { runEvent, type StartedRun } from '../../services/runs.ts';
import { parseInput } from '../../services/validation.ts';
import type { Viewer } from '../../core/viewer.ts';

/**
 * People in the loop: a run whose next tool call needs approval is parked (WAITING_FOR_APPROVAL,
 * no job or worker held) with a `tool_approvals` row; a person of the thread approves (possibly
 * with edited arguments, checked against the tool's schema) or rejects it, or it expires after
 * TOOL_APPROVAL_TTL_SECONDS; each answer puts the run back in the queue, and the resumed attempt
 * continues the turn from the stored state.
 */

/** Parks a run whose turn asked for approval. Undefined when the run was cancelled meanwhile. */
export async function parkRun(services: AppServices, started: StartedRun, waiting: AwaitingApproval): Promise<Run | undefined> {
  const { run, reply } = started;
  const { request } = waiting;
  return transactionWithEvents(services, async (trx, emit) => {
    await lockThread(trx, run.threadId);
    const parked = await markRunWaiting(trx, run, request.state.spend);
    if (!parked) return undefined;
    const expiresAt = new Date(Date.now() + services.config.approvals.ttlSeconds * 1000);
    const approval = await insertApproval(trx, {
      orgId: run.orgId,
      runId: run.id,
      threadId: run.threadId,
      teammateId: run.teammateId,
      tool: request.tool,
      toolCallId: request.call.id || null,
      arguments: request.arguments,
      expiresAt,
      resumeState: request.state,
    });
    await services.jobs.add(trx, 'tool_approvals__expire', { approvalId: approval.id }, { runAt: expiresAt, jobKey: expireApprovalJobKey(approval.id) });
    if (reply) {
      const note = `⏳ Waiting for a person to approve \`${request.tool}\` before I go on.`;
      const body = request.state.text.trim() ? `${request.state.text.trim()}\n\n${note}` : note;
      const written = await reviseMessage(trx, reply, { body, status: 'pending', expectStatus: ['streaming'] });
      if (written) await emit(messageEvent(written, false));
    }
    await emit(runEvent(parked));
    await emit(approvalEvent(approval));
    await notifyAbout(services, trx, { source: 'approval', id: approval.id, threadId: approval.threadId });
    if (parked.goalId && parked.goalTaskId) {
      // The task stays RUNNING (and its goal too); its progress says what it waits for.
      await updateTask(trx, parked.goalTaskId, { progress: `Waiting for approval to use ${request.tool}` });
      await emit(goalEvent({ orgId: parked.orgId, threadId: parked.threadId, id: parked.goalId }, 'task', parked.goalTaskId));
    }
    return parked;
  });
}

/** waiting_for_approval → queued, with a new job for the turn (same queue as every turn of its teammate in the thread). */
async function resumeRun(trx: Executor, jobs: JobQueue, emit: Emit, runId: string): Promise<Run | undefined> {
  const run = await requeueWaitingRun(trx, runId);
  if (!run) return undefined;
  await jobs.add(trx, 'agents__run_turn', { runId: run.id }, { queueName: turnQueue(run.threadId, run.teammateId), jobKey: runJobKey(run.id) });
  await emit(runEvent(run));
  return run;
}

const approveSchema = z.object({ approvalId: z.uuid(), arguments: z.record(z.string(), z.unknown()).nullish() });
const rejectSchema = z.object({ approvalId: z.uuid(), reason: z.string().trim().max(2_000).nullish() });

export interface ApprovalDecision {
  approval: ToolApproval;
  run: Run | undefined;
}

/**
 * Answers a pending approval of a thread the viewer is in, under the thread's lock: only the first
 * answer counts (a second one is a ConflictError), and the run is queued again with one new job.
 */
async function decide(
  services: AppServices,
  viewer: Viewer,
  approvalId: string,
  decision: (approval: ToolApproval) => Promise<{ status: 'approved' | 'rejected'; reason?: string | null; arguments?: unknown }>,
): Promise<ApprovalDecision> {
  const [visible] = await findVisibleApprovals(services.db, viewer.org.id, viewer.user.id, [approvalId]);
  if (!visible) throw new NotFoundError('ToolApproval');
  const values = visible.status === 'pending' ? await decision(visible) : undefined;
  return transactionWithEvents(services, async (trx, emit) => {
    await lockThread(trx, visible.threadId);
    const current = (await findApproval(trx, visible.id, true))!;
    if (current.status !== 'pending') throw new ConflictError(`This tool call was already ${current.status}`);
    if (current.expiresAt.getTime() <= Date.now()) {
      const expired = await expireInTransaction(trx, services.jobs, emit, current);
      throw new ConflictError(`This tool call ${expired ? 'has expired' : 'was already answered'}`);
    }
    const decided = (await decideApproval(trx, current.id, { ...values!, decidedBy: viewer.user.id }))!;
    await emit(approvalEvent(decided));
    const run = await resumeRun(trx, services.jobs, emit, decided.runId);
    return { approval: decided, run };
  });
}

/** `approveToolCall`: the call runs (once) with its arguments, or with `arguments` when given (checked against the tool's schema). */
export function approveToolCall(services: AppServices, viewer: Viewer, input: { approvalId: string; arguments?: unknown }): Promise<ApprovalDecision> {
  const parsed = parseInput(approveSchema, input);
  return decide(services, viewer, parsed.approvalId, async (approval) => {
    if (parsed.arguments == null) return { status: 'approved' };
    const schema = await toolSchemaOf(services, approval);
    if (!schema) throw new ValidationError([{ field: 'arguments', message: `the tool ${approval.tool} is no longer available, so its arguments cannot be checked` }]);
    const checked = schema.safeParse(parsed.arguments);
    if (!checked.success) {
      throw new ValidationError(checked.error.issues.map((i) => ({ field: ['arguments', ...i.path.map(String)].join('.'), message: i.message })));
    }
    return { status: 'approved', arguments: parsed.arguments };
  });
}

/** `rejectToolCall`: the call does not run; the model is told (with the reason) and answers. */
export function rejectToolCall(services: AppServices, viewer: Viewer, input: { approvalId: string; reason?: string | null }): Promise<ApprovalDecision> {
  const parsed = parseInput(rejectSchema, input);
  return decide(services, viewer, parsed.approvalId, async () => ({ status: 'rejected', reason: parsed.reason || null }));
}

/** The schema of a tool's arguments: a built-in tool's zod schema, or an MCP tool's JSON Schema as listed by its server. */
async function toolSchemaOf(services: AppServices, approval: ToolApproval): Promise<z.ZodType | undefined> {
  const builtIn = IMPLEMENTED_TOOLS.get(approval.tool as ToolName);
  if (builtIn) return builtIn.input;
  const match = MCP_TOOL_NAME.exec(approval.tool);
  if (!match) return undefined;
  const [server] = await mcpServersOfOrg(services.db, approval.orgId, { names: [match[1]!] });
  const info = server?.tools.find((t) => t.name === match[2]);
  return info ? mcpInputSchema(info) : undefined;
}

async function expireInTransaction(trx: Executor, jobs: JobQueue, emit: Emit, approval: ToolApproval): Promise<boolean> {
  const expired = await decideApproval(trx, approval.id, { status: 'expired', decidedBy: null, reason: null });
  if (!expired) return false;
  await emit(approvalEvent(expired));
  await resumeRun(trx, jobs, emit, expired.runId);
  return true;
}

/** The `tool_approvals__expire` job: an approval still pending at its `expires_at` expires, and its run resumes as rejected. */
export async function expireApproval(services: AppServices, approvalId: string): Promise<void> {
  await transactionWithEvents(services, async (trx, emit) => {
    const approval = await findApproval(trx, approvalId);
    if (!approval || approval.status !== 'pending') return;
    await lockThread(trx, approval.threadId);
    const current = (await findApproval(trx, approvalId, true))!;
    if (current.status !== 'pending') return;
    const { rows } = await sql<{ due: boolean }>`select ${current.expiresAt} <= now() as due`.execute(trx);
    if (!rows[0]?.due) throw new Error('the approval is not due to expire yet'); // clock skew: the job is retried
    await expireInTransaction(trx, services.jobs, emit, current);
  });
}

/** `toolApprovals`: approvals in the viewer's threads, newest first (PENDING ones for a badge). */
export function listApprovals(services: AppServices, viewer: Viewer, filter: { status?: ApprovalStatus | null; threadId?: string | null; first?: number | null }) {
  const limit = Math.min(Math.max(filter.first ?? 50, 1), 200);
  return listVisibleApprovals(services.db, viewer.org.id, viewer.user.id, { status: filter.status ?? undefined, threadId: filter.threadId ?? undefined, limit });
}
