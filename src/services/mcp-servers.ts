import { z } from 'zod';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { listMcpTools, McpError } from './mcp-client.ts';
import { connectionTo } from './mcp-connections.ts';
import { deleteMcpServerRow, insertMcpServer, mcpServersOfOrg, updateMcpServerRow, type McpServerRecord, type McpToolInfo } from '../repositories/mcp-servers.ts';
import type { AppServices } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { sealMcpHeaders } from './mcp-secrets.ts';
import { publicUrlProblem } from './network-guard.ts';
import { parseInput } from './validation.ts';


const name = z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'use 1–40 lowercase letters, digits, - or _ (it prefixes the tool names: <name>.<tool>)');
const url = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).max(2_000);
const headers = z
  .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'not a valid header name'), z.string().max(8_000).regex(/^[^\r\n]*$/, 'no line breaks'))
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers');

const addSchema = z.object({ name, url, headers: headers.nullish() });
const updateSchema = z.object({ id: z.uuid(), name: name.nullish(), url: url.nullish(), headers: headers.nullish() });

function requireManager(viewer: Viewer): void {
  if (!canManageOrg(viewer.role)) throw new ForbiddenError('Only owners and admins can manage MCP servers');
}

/** Refuses a URL on a private or loopback network unless MCP_ALLOW_PRIVATE_NETWORKS=true (every resolved address is checked). */
async function checkUrl(services: AppServices, value: string): Promise<void> {
  if (services.config.mcp.allowPrivateNetworks) return;
  const problem = await publicUrlProblem(new URL(value));
  if (problem) throw new ValidationError([{ field: 'url', message: problem }]);
}

/** Connects and lists the server's tools: connected with its tools, or error with a readable reason. */
async function probe(services: AppServices, server: Pick<McpServerRecord, 'url' | 'headersEncrypted'>): Promise<{ tools: McpToolInfo[]; status: 'connected' | 'error'; error: string | null }> {
  try {
    const tools = await listMcpTools(connectionTo(services, server as McpServerRecord));
    return { tools, status: 'connected', error: null };
  } catch (error) {
    if (!(error instanceof McpError)) services.logger.warn({ err: error, url: server.url }, 'listing MCP tools failed');
    return { tools: [], status: 'error', error: (error as Error).message.slice(0, 1_000) };
  }
}

/**
 * `addMcpServer` (owners and admins): connects to the server over Streamable HTTP, lists its tools
 * and stores it with its header values sealed. A server that cannot be reached is stored with
 * status ERROR and its reason (fix it with `updateMcpServer`); a private URL is refused.
 */
export async function addMcpServer(services: AppServices, viewer: Viewer, input: { name: string; url: string; headers?: unknown }): Promise<McpServerRecord> {
  requireManager(viewer);
  const parsed = parseInput(addSchema, input);
  await checkUrl(services, parsed.url);
  const sealed = sealMcpHeaders(services, parsed.headers ?? {});
  const state = await probe(services, { url: parsed.url, headersEncrypted: sealed });
  const server = await insertMcpServer(services.db, {
    orgId: viewer.org.id,
    createdBy: viewer.user.id,
    name: parsed.name,
    url: parsed.url,
    headersEncrypted: sealed,
    headerNames: Object.keys(parsed.headers ?? {}),
    ...state,
  });
  if (!server) throw new ConflictError(`An MCP server named "${parsed.name}" is already connected`);
  return server;
}

/** `updateMcpServer`: changes name, URL or headers (headers replace the old ones) and lists the tools again. */
export async function updateMcpServer(services: AppServices, viewer: Viewer, input: { id: string; name?: string | null; url?: string | null; headers?: unknown }): Promise<McpServerRecord> {
  requireManager(viewer);
  const parsed = parseInput(updateSchema, input);
  const [current] = await mcpServersOfOrg(services.db, viewer.org.id, { ids: [parsed.id] });
  if (!current) throw new NotFoundError('McpServer', parsed.id);
  if (parsed.url) await checkUrl(services, parsed.url);
  const sealed = parsed.headers ? sealMcpHeaders(services, parsed.headers) : current.headersEncrypted;
  const next = { url: parsed.url ?? current.url, headersEncrypted: sealed };
  const state = await probe(services, next);
  try {
    const updated = await updateMcpServerRow(services.db, viewer.org.id, current.id, {
      ...(parsed.name ? { name: parsed.name } : {}),
      ...next,
      ...(parsed.headers ? { headerNames: Object.keys(parsed.headers) } : {}),
      ...state,
    });
    if (!updated) throw new NotFoundError('McpServer', parsed.id);
    return updated;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new ConflictError(`An MCP server named "${parsed.name}" is already connected`);
    throw error;
  }
}

/** `removeMcpServer`: disconnects it; teammates naming its tools no longer get them. */
export async function removeMcpServer(services: AppServices, viewer: Viewer, id: string): Promise<McpServerRecord> {
  requireManager(viewer);
  const [current] = await mcpServersOfOrg(services.db, viewer.org.id, { ids: [id] });
  if (!current || !(await deleteMcpServerRow(services.db, viewer.org.id, id))) throw new NotFoundError('McpServer', id);
  return current;
}

/** `mcpServers`: the organisation's servers (every member may see them and their tools; never their header values). */
export function listMcpServers(services: AppServices, viewer: Viewer): Promise<McpServerRecord[]> {
  return mcpServersOfOrg(services.db, viewer.org.id);
}
