import { mcpServersOfOrg, type McpServerRecord, type McpToolInfo } from '../repositories/mcp-servers.ts';
import { builder } from './builder.ts';

export const McpServerStatusEnum = builder.enumType('McpServerStatus', {
  description: 'Whether the server answered when it was last added or updated.',
  values: {
    CONNECTED: { value: 'connected', description: 'It listed its tools.' },
    ERROR: { value: 'error', description: 'It could not be reached or refused; see `error`. Its tools are not offered.' },
  } as const,
});

export const McpToolRef = builder.objectRef<McpToolInfo>('McpTool').implement({
  description: 'A tool an MCP server offers. A teammate gets it by naming `<server name>.<tool name>` in its `tools`.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The tool’s name on its server.' }),
    description: t.exposeString('description', { nullable: true, description: 'What the server says it does.' }),
    inputSchema: t.expose('inputSchema', { type: 'JSON', description: 'JSON Schema of its arguments.' }),
  }),
});

export const McpServerRef = builder.node(builder.objectRef<McpServerRecord>('McpServer'), {
  description: 'An MCP (Model Context Protocol) server connected to the organisation over Streamable HTTP. Header values are stored encrypted and never returned.',
  id: { resolve: (s) => s.id },
  loadMany: async (ids, ctx) => {
    if (!ctx.viewer) return ids.map(() => null);
    const found = new Map((await mcpServersOfOrg(ctx.db, ctx.viewer.org.id, { ids })).map((s) => [s.id, s]));
    return ids.map((id) => found.get(id) ?? null);
  },
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Short name; its tools are `<name>.<tool>`.' }),
    url: t.exposeString('url', { description: 'Its Streamable HTTP endpoint.' }),
    headerNames: t.exposeStringList('headerNames', { description: 'Names of the request headers sent to it (values are secret).' }),
    tools: t.field({ type: [McpToolRef], description: 'The tools it listed.', resolve: (s) => s.tools }),
    status: t.field({ type: McpServerStatusEnum, description: 'CONNECTED or ERROR.', resolve: (s) => s.status }),
    error: t.exposeString('error', { nullable: true, description: 'Why it could not be used, readable.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was added.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last changed or re-listed.' }),
  }),
});
