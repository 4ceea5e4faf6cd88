import type { Org } from '../repositories/orgs.ts';
import { finishStep, insertStep } from '../repositories/run-steps.ts';
import type { Run } from '../repositories/runs.ts';
import type { Teammate } from '../repositories/teammates.ts';
import type { Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import type { RunOutcome } from '../services/runs.ts';
import type { FinishReason } from '../repositories/messages.ts';
import { CONTENT_FILTERED, endOfStep } from '../models/finish-reasons.ts';
import { buildPrompt } from './prompt.ts';
import { modelFor } from '../models/providers/create-provider.ts';
import { ProviderError, type ChatMessage, type ModelProvider, type StreamEvent, type ToolCall } from '../models/providers/types.ts';
import type { ReplyStream } from './reply-stream.ts';
import { toolsFor } from './tools/registry.ts';
import { toolDefinition, ToolError, type AgentTool, type ToolContext } from './tools/types.ts';
import { readOrgSettings } from '../services/settings.ts';
import type { Brief } from '../models/briefs.ts';
import { estimateCallTokens } from './token-estimate.ts';
import { observeToolCall } from '../observability/metrics.ts';
import { cleanModelText } from '../services/text.ts';
import { openToolGate } from './approvals/tool-gate.ts';

/** What a turn works with, loaded by the runtime once the run has started. */
export interface TurnInput {
  run: Run;
  teammate: Teammate;
  thread: Thread;
  org: Org;
  /** Streams the reply to the thread; absent for delegated runs (their answer goes to the caller). */
  stream: ReplyStream | null;
  signal: AbortSignal;
  /** Name of the teammate who asked (delegated runs). */
  delegatedBy?: string;
  /** For a goal's task or report: what it is told on top of its usual prompt. */
  brief?: Brief;
}

/** Stops a tool result from flooding the model's context. */
const MAX_TOOL_RESULT_CHARS = 12_000;

/** Why an aborted turn stopped: cancelled by someone, or the worker shutting down (retried elsewhere). */
export class TurnAborted extends Error {
  override name = 'TurnAborted';
}

/**
 * One turn of a teammate: persona, memory and thread → model (streamed) → tool calls, in a loop of
 * at most AGENT_MAX_STEPS model calls (the last one without tools, so it has to answer). Each tool
 * call is a `run_steps` row; a failing tool is reported to the model, never a crash. Returns the
 * outcome for `endRun`; throws `ProviderError` when the model service fails (after the SDK's
 * retries) and `TurnAborted` when the signal fires.
 */
export async function runTurn(services: AppServices, provider: ModelProvider, input: TurnInput): Promise<RunOutcome> {
  const { run, teammate, thread, org, stream, signal } = input;
  const model = modelFor(provider, services.config, teammate, readOrgSettings(org.settings).defaultModel);
  const spend = { promptTokens: 0, completionTokens: 0 };
  // Tokens the provider did not report (a stream cut short, or a server that sends no usage) are
  // counted from the text instead, and the spend is marked estimated. A call that streamed nothing
  // (refused, or failed before answering) is not charged.
  let tokensEstimated = false;
  let inFlight: { request: Parameters<typeof estimateCallTokens>[0]; start: number } | undefined;
  const estimateInFlight = async () => {
    const call = inFlight;
    inFlight = undefined;
    if (!call || text.length === call.start) return;
    try {
      const estimate = await estimateCallTokens(call.request, text.slice(call.start));
      spend.promptTokens += estimate.promptTokens;
      spend.completionTokens += estimate.completionTokens;
      tokensEstimated = true;
    } catch (error) {
      services.logger.warn({ err: error, runId: run.id }, 'estimating tokens failed');
    }
  };
  let prompt: Awaited<ReturnType<typeof buildPrompt>> | undefined;
  const outcome = (status: RunOutcome['status'], text: string, error?: string): RunOutcome => ({
    status,
    text,
    error,
    model,
    ...spend,
    tokensEstimated,
    throughSeq: prompt?.throughSeq ?? null,
  });
  let text = '';
  let finish: FinishReason = 'stop';
  const write = (raw: string) => {
    const delta = cleanModelText(raw); // no NUL or other controls from a model reach the database
    text += delta;
    stream?.append(delta);
  };
  try {
    prompt = await buildPrompt(services, provider, { run, teammate, thread, org, model, signal, delegatedBy: input.delegatedBy, brief: input.brief });
    // [tool approval] policies applied (OFF tools hidden, MCP tools added); a resumed turn continues where it waited.
    const gate = await openToolGate(services, { run, teammate, tools: toolsFor(teammate, run) });
    const tools = gate.tools;
    const definitions = tools.map(toolDefinition);
    const messages: ChatMessage[] = prompt.messages;
    const turnStart = messages.length;
    const maxSteps = services.config.agents.maxSteps;
    let position = 0;
    const runCalls = async (calls: ToolCall[], step: number) => {
      for (const [index, call] of calls.entries()) {
        position += 1;
        const ctx: ToolContext = { services, orgId: run.orgId, runId: run.id, attempt: run.attempt, thread, teammate, signal };
        const snapshot = () => ({ messages: messages.slice(turnStart), text, calls: calls.slice(index), step, position: position - 1, spend: { ...spend } });
        const execute = (c: ToolCall) => observeToolCall(c.name, () => callTool(services, tools, c, { run, position }, ctx));
        const result = (await gate.before(call, snapshot, execute, { position })) ?? (await execute(call));
        messages.push({ role: 'tool', toolCallId: call.id, content: result });
        if (signal.aborted) throw new TurnAborted('aborted');
      }
    };
    const resumed = gate.resume;
    if (resumed) {
      messages.push(...resumed.messages);
      write(resumed.text);
      spend.promptTokens += resumed.spend.promptTokens;
      spend.completionTokens += resumed.spend.completionTokens;
      position = resumed.position;
      await runCalls(resumed.calls, resumed.step);
    }
    for (let step = resumed ? resumed.step + 1 : 0; step < maxSteps; step += 1) {
      const lastStep = step === maxSteps - 1;
      // What the teammate said before this step's tool calls (its plan, "I'll draft three options…")
      // is kept as an intermediate message of the run once it says more; without a thread to
      // write to (a delegated run), it stays in the one answer, separated by a blank line.
      let said = stream ? text.trim() : '';
      if (!stream && text && !/\n\n$/.test(text)) write('\n\n');
      let stepStart = text.length;
      let done: Extract<StreamEvent, { type: 'done' }> | undefined;
      const stepTools = lastStep || definitions.length === 0 ? undefined : definitions;
      inFlight = { request: { messages: [...messages], tools: stepTools }, start: stepStart };
      for await (const event of provider.stream(
        { model, persona: { name: teammate.name, role: teammate.role }, messages, tools: stepTools },
        signal,
      )) {
        if (event.type === 'text') {
          if (said && event.delta.trim()) {
            const kept = await stream!.split(said);
            if (kept) {
              text = '';
              stepStart = 0;
            } else if (!/\n\n$/.test(text)) write('\n\n');
            said = '';
          }
          if (said && !event.delta.trim()) continue; // blank space between the plan and what follows
          write(event.delta);
        } else done = event;
      }
      if (signal.aborted) throw new TurnAborted('aborted');
      if (!done) throw new ProviderError('The model ended its answer unexpectedly');
      if (done.usage.promptTokens === 0 && done.usage.completionTokens === 0) await estimateInFlight();
      inFlight = undefined;
      spend.promptTokens += done.usage.promptTokens;
      spend.completionTokens += done.usage.completionTokens;
      finish = endOfStep(done, { lastStep, step });
      if (done.toolCalls.length === 0 || lastStep || finish === 'length' || finish === 'content_filter') break;
      messages.push({ role: 'assistant', content: text.slice(stepStart) || null, toolCalls: done.toolCalls });
      await runCalls(done.toolCalls, step);
    }
    const answer = text.trim();
    if (!answer && finish === 'content_filter') return { ...outcome('failed', '', CONTENT_FILTERED), finishReason: finish };
    return { ...outcome('succeeded', answer || (finish === 'stop' ? '(I have nothing to add.)' : '')), finishReason: finish };
  } catch (error) {
    await estimateInFlight();
    if (signal.aborted || error instanceof TurnAborted) throw Object.assign(new TurnAborted('aborted'), { outcome: outcome('cancelled', text.trim()) });
    if (error instanceof ProviderError) return outcome('failed', text.trim(), error.message);
    throw Object.assign(error as Error, { outcome: outcome('failed', text.trim()) });
  }
}

/** The outcome a failed turn had reached (text written and tokens spent so far), when known. */
export function partialOutcome(error: unknown): RunOutcome | undefined {
  return (error as { outcome?: RunOutcome } | undefined)?.outcome;
}

/**
 * Runs one tool call and returns what the model reads: `{ summary, data }` on success, `{ error }`
 * on bad arguments, an unknown tool or a failure. Recorded as a run step either way.
 */
async function callTool(
  services: Pick<AppServices, 'db' | 'logger'>,
  tools: AgentTool[],
  call: ToolCall,
  at: { run: Run; position: number },
  ctx: ToolContext,
): Promise<string> {
  const { run, position } = at;
  let args: unknown;
  try {
    args = call.arguments.trim() ? JSON.parse(call.arguments) : {};
  } catch {
    args = { _raw: call.arguments.slice(0, 2_000) };
  }
  const step = await insertStep(services.db, { orgId: run.orgId, runId: run.id, attempt: run.attempt, position, toolName: call.name, toolCallId: call.id || null, input: args });
  const fail = async (message: string) => {
    await finishStep(services.db, step.id, { status: 'failed', error: message });
    return JSON.stringify({ error: message });
  };
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) return fail(`unknown tool "${call.name}"; available: ${tools.map((t) => t.name).join(', ') || 'none'}`);
  if (typeof args === 'object' && args !== null && '_raw' in args) return fail('the arguments were not valid JSON');
  const parsed = tool.input.safeParse(args);
  if (!parsed.success) {
    return fail(`invalid arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}`);
  }
  try {
    const result = await tool.run(parsed.data, ctx);
    const content = JSON.stringify(result);
    await finishStep(services.db, step.id, { status: 'succeeded', output: result, childRunId: childRunOf(result) });
    return content.length > MAX_TOOL_RESULT_CHARS ? JSON.stringify({ summary: result.summary.slice(0, MAX_TOOL_RESULT_CHARS), truncated: true }) : content;
  } catch (error) {
    if (error instanceof ToolError) return fail(error.message);
    if (ctx.signal.aborted) return fail('stopped: the run was cancelled');
    services.logger.error({ err: error, tool: call.name, runId: run.id }, 'tool failed');
    return fail('the tool failed unexpectedly; try something else or tell the person');
  }
}

function childRunOf(result: { data?: unknown }): string | null {
  const data = result.data as { runId?: unknown } | undefined;
  return typeof data?.runId === 'string' ? data.runId : null;
}
