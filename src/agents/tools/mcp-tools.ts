import { z } from 'zod';
import { mcpServersOfOrg, type McpServerRecord, type McpToolInfo } from '../../repositories/mcp-servers.ts';
import type { AppServices } from '../../core/context.ts';
import { connectionTo } from '../../services/mcp-connections.ts';
import { MCP_TOOL_NAME, mcpFunctionName } from '../../catalog/mcp-tool-names.ts';
import { callMcpTool, McpError, type McpConnection } from '../../services/mcp-client.ts';
import { ToolError, type AgentTool } from './types.ts';
import type { ToolName } from '../../catalog/tool-names.ts';

/** The arguments schema of an MCP tool as zod (its JSON Schema converted), or any object when it cannot be. */
export function mcpInputSchema(info: Pick<McpToolInfo, 'inputSchema'>): z.ZodType {
  try {
    return z.fromJSONSchema(info.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return z.record(z.string(), z.unknown());
  }
}

/**
 * The MCP tools among a teammate's `tools` (`<server>.<tool>`), from the organisation's connected
 * servers and the tool lists they gave when added or updated. A call opens a session, calls the
 * tool and closes; a timeout, an error or a failing server is reported to the model, and results
 * longer than MCP_MAX_RESULT_CHARS are cut (the model is told).
 */
export async function mcpToolsFor(services: AppServices, orgId: string, names: readonly string[]): Promise<AgentTool[]> {
  const wanted = names.map((n) => MCP_TOOL_NAME.exec(n)).filter((m): m is RegExpExecArray => m !== null);
  if (wanted.length === 0) return [];
  const servers = new Map((await mcpServersOfOrg(services.db, orgId, { names: [...new Set(wanted.map((m) => m[1]!))] })).map((s) => [s.name, s]));
  const tools: AgentTool[] = [];
  for (const [qualified, serverName, toolName] of wanted) {
    const server = servers.get(serverName!);
    const info = server?.status === 'connected' ? server.tools.find((t) => t.name === toolName) : undefined;
    if (!server || !info) continue;
    tools.push(mcpTool(server, info, qualified!));
  }
  return tools;
}

function mcpTool(server: McpServerRecord, info: McpToolInfo, qualified: string): AgentTool {
  const { $schema: _drop, ...parameters } = info.inputSchema;
  return {
    // Not a built-in ToolName: MCP tools are named by the organisation's servers.
    name: mcpFunctionName(server.name, info.name) as ToolName,
    policyName: qualified,
    description: `${info.description ?? info.name} (tool "${info.name}" of the MCP server "${server.name}")`.slice(0, 1_000),
    input: mcpInputSchema(info),
    parameters: { type: 'object', ...parameters },
    async run(input, ctx) {
      const { maxResultChars } = ctx.services.config.mcp;
      let result;
      try {
        result = await callMcpTool(connectionTo(ctx.services, server, ctx.signal), info.name, input);
      } catch (error) {
        if (error instanceof McpError) throw new ToolError(error.message);
        throw error;
      }
      if (result.isError) throw new ToolError(`The MCP tool reported an error: ${result.text.slice(0, 2_000)}`);
      const truncated = result.text.length > maxResultChars;
      const text = truncated ? result.text.slice(0, maxResultChars) : result.text;
      return {
        summary: `${qualified} answered${truncated ? ` (cut to ${maxResultChars} of ${result.text.length} characters)` : ''}.`,
        data: { text, ...(truncated ? { truncated: true } : {}) },
      };
    },
  };
}
