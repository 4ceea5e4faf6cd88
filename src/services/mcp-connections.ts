import type { AppServices } from '../core/context.ts';
import type { McpServerRecord } from '../repositories/mcp-servers.ts';
import type { McpConnection } from './mcp-client.ts';
import { mcpHeadersOf } from './mcp-secrets.ts';

/** How to reach a stored server (headers decrypted). */
export function connectionTo(services: AppServices, server: McpServerRecord, signal?: AbortSignal): McpConnection {
  const { mcp } = services.config;
  return { url: server.url, headers: mcpHeadersOf(services, server), timeoutMs: mcp.timeoutMs, allowPrivateNetworks: mcp.allowPrivateNetworks, signal };
}

