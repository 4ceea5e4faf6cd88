import { builder } from '../schema/builder.ts';
import { McpServerRef } from '../schema/mcp-servers.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../services/errors.ts';
import { addMcpServer, listMcpServers, removeMcpServer, updateMcpServer } from '../services/mcp-servers.ts';

builder.queryField('mcpServers', (t) =>
  t.field({
    type: [McpServerRef],
    description: 'MCP servers connected to the current organisation, by name, with their tools (header values are never returned).',
    resolve: (_root, _args, ctx) => listMcpServers(ctx.services, requireViewer(ctx)),
  }),
);

const AddMcpServerInput = builder.inputType('AddMcpServerInput', {
  description: 'An MCP server to connect (Streamable HTTP).',
  fields: (t) => ({
    name: t.string({ required: true, description: '1–40 lowercase letters, digits, - or _; its tools become `<name>.<tool>`.' }),
    url: t.string({ required: true, description: 'Its http(s) endpoint. Private and loopback addresses are refused unless MCP_ALLOW_PRIVATE_NETWORKS=true.' }),
    headers: t.field({ type: 'JSON', description: 'Request headers to send (e.g. `{"Authorization": "Bearer …"}`); stored encrypted, never returned.' }),
  }),
});

const UpdateMcpServerInput = builder.inputType('UpdateMcpServerInput', {
  description: 'Changes to a connected MCP server; its tools are listed again.',
  fields: (t) => ({
    id: t.globalID({ required: true, for: McpServerRef, description: 'The server.' }),
    name: t.string({ description: 'A new name (teammates naming its old tool names lose them).' }),
    url: t.string({ description: 'A new endpoint.' }),
    headers: t.field({ type: 'JSON', description: 'New request headers (they replace the old ones).' }),
  }),
});

const RemoveMcpServerInput = builder.inputType('RemoveMcpServerInput', {
  description: 'An MCP server to disconnect.',
  fields: (t) => ({ id: t.globalID({ required: true, for: McpServerRef, description: 'The server.' }) }),
});

builder.mutationFields((t) => ({
  addMcpServer: t.field({
    type: McpServerRef,
    description: 'Connects an MCP server to the organisation and lists its tools (status ERROR with a reason when it cannot be reached). Owners and admins.',
    errors: { types: [ValidationError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: AddMcpServerInput, required: true }) },
    resolve: (_root, { input }, ctx) => addMcpServer(ctx.services, requireViewer(ctx), { name: input.name, url: input.url, headers: input.headers ?? undefined }),
  }),
  updateMcpServer: t.field({
    type: McpServerRef,
    description: 'Changes an MCP server’s name, URL or headers and lists its tools again. Owners and admins.',
    errors: { types: [ValidationError, ForbiddenError, NotFoundError, ConflictError] },
    args: { input: t.arg({ type: UpdateMcpServerInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      updateMcpServer(ctx.services, requireViewer(ctx), { id: input.id.id, name: input.name, url: input.url, headers: input.headers ?? undefined }),
  }),
  removeMcpServer: t.field({
    type: McpServerRef,
    description: 'Disconnects an MCP server; teammates no longer get its tools. Owners and admins.',
    errors: { types: [ForbiddenError, NotFoundError] },
    args: { input: t.arg({ type: RemoveMcpServerInput, required: true }) },
    resolve: (_root, { input }, ctx) => removeMcpServer(ctx.services, requireViewer(ctx), input.id.id),
  }),
}));
