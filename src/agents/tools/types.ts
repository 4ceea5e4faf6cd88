import { z } from 'zod';
import type { Teammate } from '../../repositories/teammates.ts';
import type { Thread } from '../../repositories/threads.ts';
import type { AppServices } from '../../core/context.ts';
import type { ToolDefinition } from '../../models/providers/types.ts';
import type { ToolName } from '../../catalog/tool-names.ts';

/** Everything a tool may use while a teammate's run calls it. */
export interface ToolContext {
  services: AppServices;
  /** The organisation the run belongs to: every read and write of a tool is scoped by it. */
  orgId: string;
  /** The run calling the tool (recorded as the source of what the tool creates). */
  runId: string;
  /** The attempt of that run (a tool that hands in results checks it is still the current one). */
  attempt: number;
  /** The thread the run works in. */
  thread: Thread;
  /** The teammate calling the tool (the author of what it creates). */
  teammate: Teammate;
  /** Aborted when the run is cancelled: long tools should stop. */
  signal: AbortSignal;
}

/** What a tool hands back to the model: a one-line summary and, optionally, structured data. */
export interface ToolResult {
  summary: string;
  data?: unknown;
}

/**
 * An expected tool failure ("no file with that id", "the pinboard has no such post"): the model is
 * told `{ error: message }` and can recover. Any other exception is logged and reported to the model
 * as a generic failure; neither crashes the run.
 */
export class ToolError extends Error {
  override name = 'ToolError';
}

export interface AgentTool<Input = unknown> {
  name: ToolName;
  /** What the model reads to decide when to call it. */
  description: string;
  /** Validates the model's arguments; also turned into the JSON Schema sent to the model. */
  input: z.ZodType<Input>;
  run(input: Input, ctx: ToolContext): Promise<ToolResult>;
  /** JSON Schema of the arguments when it comes from elsewhere (an MCP server's `inputSchema`); default: from `input`. */
  parameters?: Record<string, unknown>;
  /** The name policies and teammates use when it differs from the function name (`<server>.<tool>` for MCP tools). */
  policyName?: string;
}

/** The name a tool's policy is set under (`setToolPolicy`) and a teammate's `tools` lists. */
export const policyName = (tool: Pick<AgentTool, 'name' | 'policyName'>): string => tool.policyName ?? tool.name;

export function defineTool<Schema extends z.ZodType>(tool: {
  name: ToolName;
  description: string;
  input: Schema;
  run(input: z.output<Schema>, ctx: ToolContext): Promise<ToolResult>;
}): AgentTool<z.output<Schema>> {
  return tool as AgentTool<z.output<Schema>>;
}

const definitions = new WeakMap<AgentTool, ToolDefinition>();

/** The function-calling definition sent to the model (computed once per tool). */
export function toolDefinition(tool: AgentTool): ToolDefinition {
  let definition = definitions.get(tool);
  if (!definition) {
    const { $schema: _drop, ...parameters } = tool.parameters ?? (z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>);
    definitions.set(tool, (definition = { name: tool.name, description: tool.description, parameters }));
  }
  return definition;
}
