import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { gqlOk, useServerWithFakeModel } from '../helpers/agents.ts';
import { startTestMcpServer } from '../helpers/mcp-server.ts';
import { isPrivateAddress, publicUrlProblem } from '../../src/services/network-guard.ts';

/**
 * Request forgery: with MCP_ALLOW_PRIVATE_NETWORKS unset, an MCP server URL whose host is (or
 * resolves to) a private, loopback or link-local address is refused, however it is spelled.
 */
const ctx = useServerWithFakeModel();
const ADD = `mutation($input: AddMcpServerInput!) { addMcpServer(input: $input) { __typename ... on ValidationError { issues { field message } } ... on McpServer { status } } }`;

describe('private-network URLs', () => {
  it('refuses loopback and private hosts in every spelling, and stores nothing', async () => {
    const { server } = ctx;
    const user = await signUpUser(server, 'Forger');
    const real = await startTestMcpServer(); // a real server on 127.0.0.1: reachable, and still refused
    const port = new URL(real.url).port;
    const forged = [
      real.url,
      `http://localhost:${port}/mcp`,
      `http://localhost.:${port}/mcp`,
      `http://2130706433:${port}/mcp`, // 127.0.0.1 as one number
      `http://0x7f.1:${port}/mcp`,
      `http://[::1]:${port}/mcp`,
      `http://[::ffff:127.0.0.1]:${port}/mcp`,
      'http://10.1.2.3/mcp',
      'http://192.168.0.10/mcp',
      'http://169.254.169.254/latest/meta-data',
      'http://[fd00::1]/mcp',
      'http://0.0.0.0/mcp',
    ];
    for (const [i, url] of forged.entries()) {
      const result = (await gqlOk(server, user, ADD, { input: { name: `forged${i}`, url } })).addMcpServer;
      expect(result.__typename, url).toBe('ValidationError');
      expect(result.issues[0].field).toBe('url');
    }
    expect(real.calls).toEqual([]);
    expect(real.authorizations).toEqual([]); // never contacted
    expect((await gqlOk(server, user, '{ mcpServers { id } }')).mcpServers).toEqual([]);
    const notHttp = (await gqlOk(server, user, ADD, { input: { name: 'file', url: 'file:///etc/passwd' } })).addMcpServer;
    expect(notHttp.__typename).toBe('ValidationError');
    await real.close();
  }, 60_000);

  it('classifies addresses: private, loopback, link-local, mapped and public', async () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '::1', 'fe80::1', 'fd12::1', '::ffff:10.0.0.1', '::']) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
    expect(await publicUrlProblem(new URL('http://localhost/'))).toMatch(/private or loopback/);
    expect(await publicUrlProblem(new URL('http://93.184.216.34/'))).toBeUndefined();
  });
});
