import { decodeGlobalID } from '@pothos/plugin-relay';
import { gqlAs } from '../helpers/kit.ts';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import { setPolicy } from '../approvals/helpers.ts';
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
      const result = (await gqlAs(server, user, ADD, { input: { name: `forged${i}`, url } })).addMcpServer;
      expect(result.__typename, url).toBe('ValidationError');
      expect(result.issues[0].field).toBe('url');
    }
    expect(real.calls).toEqual([]);
    expect(real.authorizations).toEqual([]); // never contacted
    expect((await gqlAs(server, user, '{ mcpServers { id } }')).mcpServers).toEqual([]);
    const notHttp = (await gqlAs(server, user, ADD, { input: { name: 'file', url: 'file:///etc/passwd' } })).addMcpServer;
    expect(notHttp.__typename).toBe('ValidationError');
    await real.close();
  }, 60_000);

  it('checks again at every call: a stored server whose host now resolves privately is refused, never contacted', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Rebinder');
    const local = await startTestMcpServer();
    // As if its public host had been re-pointed at a loopback address after it was added.
    await sql`insert into mcp_servers (org_id, name, url, tools, status) values (${decodeGlobalID(user.orgId).id}, 'rebound', ${local.url}, ${JSON.stringify([{ name: 'echo', description: 'Echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }])}::jsonb, 'connected')`.execute(server.app.services.db);
    await setPolicy(server, user, { tool: 'rebound.echo', policy: 'AUTO' });
    const created = (await gqlAs(server, user, `mutation($input: CreateTeammateInput!) { createTeammate(input: $input) { ... on Teammate { id } } }`, {
      input: { name: 'Rebound Bot', role: 'Operator', personality: 'Plain and careful, checks every tool result before it answers anyone.', instructions: 'Use your tools.', tools: ['rebound.echo'] },
    })).createTeammate;
    const thread = (await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: DIRECT, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', { t: [created.id] })).createThread.thread.id;
    fake.enqueue({ kind: 'tools', calls: [{ name: 'mcp_rebound_echo', arguments: JSON.stringify({ text: 'hi' }) }] }, { kind: 'text', chunks: ['That server is refused.'] });
    const run = await waitForRun(server, user, (await send(server, user, thread, 'echo hi')).runs[0].id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'That server is refused.' } });
    expect(JSON.parse(fake.requests.at(-1)!.messages.at(-1).content).error).toMatch(/URL is refused: .*private or loopback/);
    expect(local.authorizations).toEqual([]);
    await local.close();
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
