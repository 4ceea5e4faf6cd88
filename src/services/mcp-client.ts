import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpToolInfo } from '../repositories/mcp-servers.ts';
import { publicUrlProblem } from './network-guard.ts';
import { version as VERSION } from '../version.ts';

/** An MCP server could not be reached, refused us, timed out or answered with an error. */
export class McpError extends Error {
  override name = 'McpError';
}

export interface McpConnection {
  url: string;
  headers: Record<string, string>;
  /** Every request (connect, list, call) gives up after this. */
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  signal?: AbortSignal;
}

/**
 * One session with an MCP server over Streamable HTTP (the official SDK client): checks the URL
 * (every resolved address public unless allowed; redirects refused), connects, runs `use`, closes.
 */
export async function withMcpClient<T>(connection: McpConnection, use: (client: Client, options: { timeout: number; signal?: AbortSignal }) => Promise<T>): Promise<T> {
  const url = new URL(connection.url);
  if (!connection.allowPrivateNetworks) {
    const problem = await publicUrlProblem(url);
    if (problem) throw new McpError(`The MCP server URL is refused: ${problem}`);
  }
  const timeout = connection.timeoutMs;
  const signal = connection.signal ? AbortSignal.any([connection.signal, AbortSignal.timeout(timeout)]) : AbortSignal.timeout(timeout);
  // Loaded on first use: the SDK takes ~0.5 s to import, which processes that never call MCP should not pay at start.
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const client = new Client({ name: 'tmates', version: VERSION });
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: connection.headers, redirect: 'error' },
    reconnectionOptions: { maxReconnectionDelay: 1_000, initialReconnectionDelay: 100, reconnectionDelayGrowFactor: 1.5, maxRetries: 0 },
  });
  try {
    await client.connect(transport, { timeout, signal });
    return await use(client, { timeout, signal });
  } catch (error) {
    if (error instanceof McpError) throw error;
    const message = (error as Error).message ?? String(error);
    if (signal.aborted && !connection.signal?.aborted) throw new McpError(`The MCP server did not answer within ${timeout} ms`);
    throw new McpError(`The MCP server failed: ${message.slice(0, 500)}`);
  } finally {
    await client.close().catch(() => {});
  }
}

/** The tools a server lists (every page). */
export function listMcpTools(connection: McpConnection): Promise<McpToolInfo[]> {
  return withMcpClient(connection, async (client, options) => {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, options);
      for (const tool of page.tools) {
        tools.push({ name: tool.name, description: tool.description ?? null, inputSchema: tool.inputSchema as Record<string, unknown> });
      }
      cursor = page.nextCursor;
    } while (cursor && tools.length < 500);
    return tools;
  });
}

/** Calls one tool; returns its text content (and whether the server flagged it as an error). */
export function callMcpTool(connection: McpConnection, name: string, args: unknown): Promise<{ text: string; isError: boolean; structured?: unknown }> {
  return withMcpClient(connection, async (client, options) => {
    const result = await client.callTool({ name, arguments: (args ?? {}) as Record<string, unknown> }, undefined, options);
    const parts = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
    const text = parts
      .map((part) => (part.type === 'text' ? String(part.text ?? '') : `[${String(part.type)} content${part.mimeType ? ` (${String(part.mimeType)})` : ''}]`))
      .join('\n');
    return { text, isError: Boolean(result.isError), structured: result.structuredContent };
  });
}
