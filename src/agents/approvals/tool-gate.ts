import { insertStep, finishStep } from '../../repositories/run-steps.ts';
import type { Run } from '../../repositories/runs.ts';
import type { Teammate } from '../../repositories/teammates.ts';
import { claimExecution, latestApprovalOfRun, saveExecutionResult, type ToolApproval } from '../../repositories/tool-approvals.ts';
import { effectivePolicies, type ToolPolicyValue } from '../../repositories/tool-policies.ts';
import type { AppServices } from '../../core/context.ts';
import type { ToolCall } from '../../models/providers/types.ts';
import { mcpToolsFor } from '../tools/mcp-tools.ts';
import { policyName, type AgentTool } from '../tools/types.ts';
import { AwaitingApproval, type ResumeState } from './resume-state.ts';

/** The policy of a tool nobody set one for: tools from MCP servers ask first, built-in ones run. */
export const defaultPolicy = (tool: string): ToolPolicyValue => (tool.includes('.') ? 'ask' : 'auto');

/**
 * The tools of one turn with their policies applied (OFF tools are not offered; MCP tools named in
 * the teammate's `tools` are added), and what a resumed turn continues from.
 */
export interface ToolGate {
  tools: AgentTool[];
  /** Set when this attempt continues a turn that waited for a person. */
  resume?: ResumeState;
  /**
   * Called before each tool call. Returns the tool result the model reads when the call was
   * decided by a person (approved: run here exactly once; rejected or expired: the reason);
   * undefined when the call runs as usual; throws `AwaitingApproval` when it must wait.
   */
  before(call: ToolCall, snapshot: () => ResumeState, execute: (call: ToolCall) => Promise<string>, at: { position: number }): Promise<string | undefined>;
}

export async function openToolGate(services: AppServices, input: { run: Run; teammate: Teammate; tools: AgentTool[] }): Promise<ToolGate> {
  const { run, teammate } = input;
  const [policies, mcp, latest] = await Promise.all([
    effectivePolicies(services.db, run.orgId, teammate.id),
    mcpToolsFor(services, run.orgId, teammate.tools), // no query unless the teammate names MCP tools
    run.attempt > 1 ? latestApprovalOfRun(services.db, run.id) : Promise.resolve(undefined), // a first attempt resumes nothing
  ]);
  const policyOf = (tool: AgentTool) => policies.get(policyName(tool)) ?? defaultPolicy(policyName(tool));
  const tools = (run.kind === 'report' || run.kind === 'plan' ? input.tools : [...input.tools, ...mcp]).filter((t) => policyOf(t) !== 'off');
  let decided: ToolApproval | undefined = latest && latest.status !== 'pending' ? latest : undefined;
  const resume = decided ? (decided.resumeState as ResumeState) : undefined;

  return {
    tools,
    resume,
    async before(call, snapshot, execute, at) {
      if (decided && call.id === resume?.calls[0]?.id) {
        const approval = decided;
        decided = undefined; // only the call that waited
        return answerDecided(services, run, approval, call, execute, at.position);
      }
      const tool = tools.find((t) => t.name === call.name);
      if (!tool || policyOf(tool) !== 'ask') return undefined;
      let args: unknown;
      try {
        args = call.arguments.trim() ? JSON.parse(call.arguments) : {};
      } catch {
        return undefined; // reported as invalid by the usual path, nothing runs
      }
      if (!tool.input.safeParse(args).success) return undefined;
      if (run.kind === 'delegation') {
        return JSON.stringify({
          error: `${policyName(tool)} needs a person's approval, and a question from another teammate cannot wait for one. Say what you would do and let the teammate who asked bring it to a person.`,
        });
      }
      throw new AwaitingApproval({ tool: policyName(tool), call, arguments: args, state: snapshot() });
    },
  };
}

/** The result of a call a person answered, recorded as a run step. Approved calls run at most once. */
async function answerDecided(
  services: AppServices,
  run: Run,
  approval: ToolApproval,
  call: ToolCall,
  execute: (call: ToolCall) => Promise<string>,
  position: number,
): Promise<string> {
  if (approval.status === 'approved') {
    if (await claimExecution(services.db, approval.id)) {
      const result = await execute({ ...call, arguments: JSON.stringify(approval.arguments ?? {}) });
      const edited = JSON.stringify(approval.arguments ?? {}) !== JSON.stringify(parseOrRaw(call.arguments));
      const content = edited ? withNote(result, `A person approved this call with edited arguments: ${JSON.stringify(approval.arguments)}`) : result;
      await saveExecutionResult(services.db, approval.id, content);
      return content;
    }
    // An earlier attempt ran it (and its worker stopped): never run it twice.
    const stored = typeof approval.result === 'string' ? approval.result : null;
    return (
      stored ??
      JSON.stringify({ error: 'This approved call was started by an earlier attempt that stopped; its outcome is unknown, and it was not run again. Tell the person.' })
    );
  }
  const why =
    approval.status === 'expired'
      ? 'Nobody approved this call in time; it expired and did not run.'
      : `A person rejected this call; it did not run.${approval.reason ? ` Their reason: ${approval.reason}` : ''}`;
  const step = await insertStep(services.db, { orgId: run.orgId, runId: run.id, attempt: run.attempt, position, toolName: call.name, toolCallId: call.id || null, input: approval.arguments });
  await finishStep(services.db, step.id, { status: 'failed', error: why });
  return JSON.stringify({ error: why });
}

function parseOrRaw(text: string): unknown {
  try {
    return text.trim() ? JSON.parse(text) : {};
  } catch {
    return text;
  }
}

function withNote(result: string, note: string): string {
  try {
    const parsed = JSON.parse(result) as Record<string, unknown>;
    return JSON.stringify({ note, ...parsed });
  } catch {
    return JSON.stringify({ note, result });
  }
}
