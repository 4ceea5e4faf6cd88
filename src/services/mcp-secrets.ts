import type { McpServerRecord } from '../repositories/mcp-servers.ts';
import type { AppServices } from '../core/context.ts';
import { decryptSecret, encryptSecret } from './secret-box.ts';

const PURPOSE = 'mcp-server-headers';

/** Seals an MCP server's request headers for storage (null when there are none). */
export function sealMcpHeaders(services: AppServices, headers: Record<string, string>): string | null {
  return Object.keys(headers).length === 0 ? null : encryptSecret(services.auth.secret, PURPOSE, JSON.stringify(headers));
}

/** The request headers of a stored server, decrypted (never returned through the API). */
export function mcpHeadersOf(services: AppServices, server: Pick<McpServerRecord, 'headersEncrypted'>): Record<string, string> {
  if (!server.headersEncrypted) return {};
  return JSON.parse(decryptSecret(services.auth.secret, PURPOSE, server.headersEncrypted)) as Record<string, string>;
}
