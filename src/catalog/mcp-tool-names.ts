/** `<server name>.<tool name>`: how a teammate's `tools` and tool policies name a tool of an MCP server. */
export const MCP_TOOL_NAME = /^([a-z0-9][a-z0-9_-]{0,39})\.([A-Za-z0-9_.\-/]{1,128})$/;

export const isMcpToolName = (name: string) => MCP_TOOL_NAME.test(name);

/** The function name the model sees (OpenAI allows [A-Za-z0-9_-], at most 64 characters). */
export function mcpFunctionName(server: string, tool: string): string {
  return `mcp_${server}_${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

