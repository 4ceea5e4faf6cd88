import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface TestMcpServer {
  url: string;
  /** Arguments of every `tools/call`, in order, with the tool name. */
  calls: Array<{ tool: string; args: Record<string, unknown> }>;
  /** The `authorization` header of every HTTP request received. */
  authorizations: Array<string | undefined>;
  close(): Promise<void>;
}

/**
 * A real MCP server (the official SDK's `McpServer` over `StreamableHTTPServerTransport`,
 * stateless: a server and transport per request) on a local port, with tools for tests:
 * `echo` (text back), `add` (numbers), `slow` (answers after `ms`), `fail` (a tool error) and
 * `big` (a long text of `size` characters).
 */
export async function startTestMcpServer(): Promise<TestMcpServer> {
  const calls: TestMcpServer['calls'] = [];
  const authorizations: TestMcpServer['authorizations'] = [];
  const build = () => {
    const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
    server.registerTool('echo', { description: 'Says the text back.', inputSchema: { text: z.string() } }, async ({ text }) => {
      calls.push({ tool: 'echo', args: { text } });
      return { content: [{ type: 'text', text: `echo: ${text}` }] };
    });
    server.registerTool('add', { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => {
      calls.push({ tool: 'add', args: { a, b } });
      return { content: [{ type: 'text', text: String(a + b) }] };
    });
    server.registerTool('slow', { description: 'Answers after a while.', inputSchema: { ms: z.number() } }, async ({ ms }) => {
      calls.push({ tool: 'slow', args: { ms } });
      await new Promise((r) => setTimeout(r, ms));
      return { content: [{ type: 'text', text: 'finally' }] };
    });
    server.registerTool('fail', { description: 'Always fails.', inputSchema: {} }, async () => {
      calls.push({ tool: 'fail', args: {} });
      return { isError: true, content: [{ type: 'text', text: 'the upstream API said no' }] };
    });
    server.registerTool('big', { description: 'A long answer.', inputSchema: { size: z.number() } }, async ({ size }) => {
      calls.push({ tool: 'big', args: { size } });
      return { content: [{ type: 'text', text: 'x'.repeat(size) }] };
    });
    return server;
  };
  const http: Server = createServer(async (req: IncomingMessage, res) => {
    authorizations.push(req.headers.authorization);
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const body = JSON.parse(await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => resolve(data));
    })) as unknown;
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
