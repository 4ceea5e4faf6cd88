import { z } from 'zod';
import { mcpServersOfOrg, type McpServerRecord, type McpToolInfo } from '../../repositories/mcp-servers.ts';
import type { AppServices } from '../../server/context.ts';
import { mcpHeadersOf } from '../../services/mcp-secrets.ts';
import { callMcpTool, McpError, type McpConnection } from './mcp-client.ts';
import { ToolError, type AgentTool } from './types.ts';
import type { ToolName } from './tool-names.ts';

/** `<server name>.<tool name>`: how a teammate's `tools` and tool policies name a tool of an MCP server. */
export const MCP_TOOL_NAME = /^([a-z0-9][a-z0-9_-]{0,39})\.([A-Za-z0-9_.\-/]{1,128})$/;

export const isMcpToolName = (name: string) => MCP_TOOL_NAME.test(name);

/** The function name the model sees (OpenAI allows [A-Za-z0-9_-], at most 64 characters). */
export function mcpFunctionName(server: string, tool: string): string {
  return `mcp_${server}_${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

/** The arguments schema of an MCP tool as zod (its JSON Schema converted), or any object when it cannot be. */
export function mcpInputSchema(info: Pick<McpToolInfo, 'inputSchema'>): z.ZodType {
  try {
    return z.fromJSONSchema(info.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return z.record(z.string(), z.unknown());
  }
}

/** How to reach a stored server (headers decrypted). */
export function connectionTo(services: AppServices, server: McpServerRecord, signal?: AbortSignal): McpConnection {
  const { mcp } = services.config;
  return { url: server.url, headers: mcpHeadersOf(services, server), timeoutMs: mcp.timeoutMs, allowPrivateNetworks: mcp.allowPrivateNetworks, signal };
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
