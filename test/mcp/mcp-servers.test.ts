import { decodeGlobalID } from '@pothos/plugin-relay';
import { gqlAs } from '../helpers/kit.ts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import { startTestMcpServer, type TestMcpServer } from '../helpers/mcp-server.ts';
import type { TestServer } from '../helpers/server.ts';
import { APPROVE, eventOf, pendingApproval, SET_POLICY, setPolicy, watchApprovals } from '../approvals/helpers.ts';

/**
 * Tools from MCP servers: a real MCP server (the official SDK, Streamable HTTP) in the test
 * process; owners connect it, teammates name its tools `<server>.<tool>`, calls wait for approval
 * by default, and failures (down, slow, erroring, oversized) reach the model, never crash the run.
 */
const ctx = useServerWithFakeModel({ MCP_ALLOW_PRIVATE_NETWORKS: 'true', MCP_TIMEOUT_MS: '1500', MCP_MAX_RESULT_CHARS: '1000' });
let mcp: TestMcpServer;
beforeAll(async () => {
  mcp = await startTestMcpServer();
});
afterAll(async () => {
  await mcp?.close();
});

const SERVER_FIELDS = 'id name url headerNames status error tools { name description inputSchema }';
const ADD = `mutation($input: AddMcpServerInput!) { addMcpServer(input: $input) { __typename ... on McpServer { ${SERVER_FIELDS} } ... on ValidationError { issues { field message } } ... on Error { errorMessage: message } } }`;
const UPDATE = `mutation($input: UpdateMcpServerInput!) { updateMcpServer(input: $input) { __typename ... on McpServer { ${SERVER_FIELDS} } ... on Error { errorMessage: message } } }`;
const REMOVE = `mutation($input: RemoveMcpServerInput!) { removeMcpServer(input: $input) { __typename ... on McpServer { id } ... on Error { errorMessage: message } } }`;

/** A self-made teammate with MCP tools, and its direct thread. */
async function teammateWith(server: TestServer, user: TestUser, tools: string[]): Promise<{ teammateId: string; thread: string }> {
  const created = (
    await gqlAs(server, user, `mutation($input: CreateTeammateInput!) { createTeammate(input: $input) { __typename ... on Teammate { id } ... on ValidationError { issues { field message } } } }`, {
      input: {
        name: `Toolsmith ${Math.random().toString(36).slice(2, 7)}`,
        role: 'Operator',
        personality: 'Careful and precise, double-checks what tools return before answering anyone.',
        instructions: 'Use the tools you have to answer.',
        tools,
      },
    })
  ).createTeammate;
  if (created.__typename !== 'Teammate') throw new Error(JSON.stringify(created));
  const thread = (await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: DIRECT, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', { t: [created.id] })).createThread.thread.id;
  return { teammateId: created.id, thread };
}

describe('MCP servers', () => {
  it('connects a server, lists its tools, keeps header values sealed, updates and removes it', async () => {
    const { server } = ctx;
    const user = await signUpUser(server, 'Mcp Owner');
    const added = (await gqlAs(server, user, ADD, { input: { name: 'tools', url: mcp.url, headers: { Authorization: 'Bearer sekrit-123' } } })).addMcpServer;
    expect(added).toMatchObject({ __typename: 'McpServer', name: 'tools', url: mcp.url, status: 'CONNECTED', error: null, headerNames: ['Authorization'] });
    expect(added.tools.map((t: { name: string }) => t.name).sort()).toEqual(['add', 'big', 'echo', 'fail', 'slow']);
    expect(added.tools.find((t: { name: string }) => t.name === 'add').inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' } } });
    expect(mcp.authorizations.at(-1)).toBe('Bearer sekrit-123');
    // Stored sealed: the value is not in the row, and no field returns it.
    const { rows } = await sql<{ headers_encrypted: string }>`select headers_encrypted from mcp_servers where id = ${decodeGlobalID(added.id).id}`.execute(server.app.services.db);
    expect(rows[0]!.headers_encrypted).toMatch(/^v1\./);
    expect(rows[0]!.headers_encrypted).not.toContain('sekrit');
    const listed = JSON.stringify(await gqlAs(server, user, `{ mcpServers { ${SERVER_FIELDS} } }`));
    expect(listed).not.toContain('sekrit');

    const duplicate = (await gqlAs(server, user, ADD, { input: { name: 'tools', url: mcp.url } })).addMcpServer;
    expect(duplicate.__typename).toBe('ConflictError');
    const badName = (await gqlAs(server, user, ADD, { input: { name: 'Has Spaces', url: mcp.url } })).addMcpServer;
    expect(badName.__typename).toBe('ValidationError');

    const updated = (await gqlAs(server, user, UPDATE, { input: { id: added.id, headers: { Authorization: 'Bearer rotated' } } })).updateMcpServer;
    expect(updated).toMatchObject({ status: 'CONNECTED', headerNames: ['Authorization'] });
    expect(mcp.authorizations.at(-1)).toBe('Bearer rotated');
    expect((await gqlAs(server, user, REMOVE, { input: { id: added.id } })).removeMcpServer.__typename).toBe('McpServer');
    expect((await gqlAs(server, user, '{ mcpServers { id } }')).mcpServers).toEqual([]);
  }, 60_000);

  it('stores a server that is down with status ERROR and a readable reason', async () => {
    const { server } = ctx;
    const user = await signUpUser(server, 'Down Owner');
    const down = await startTestMcpServer();
    const url = down.url;
    await down.close();
    const added = (await gqlAs(server, user, ADD, { input: { name: 'down', url } })).addMcpServer;
    expect(added).toMatchObject({ status: 'ERROR', tools: [] });
    expect(added.error).toMatch(/MCP server/);
  }, 60_000);

  it('a teammate calls an MCP tool after approval (ASK by default) and the model reads the result', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Mcp User');
    await gqlAs(server, user, ADD, { input: { name: 'calc', url: mcp.url } });
    const { thread } = await teammateWith(server, user, ['calc.add']);
    const sub = await watchApprovals(server, user, thread);
    fake.enqueue({ kind: 'tools', calls: [{ name: 'mcp_calc_add', arguments: JSON.stringify({ a: 2, b: 40 }) }] }, { kind: 'text', chunks: ['The sum is 42.'] });
    const runId = (await send(server, user, thread, 'What is 2 + 40?')).runs[0].id;
    const asked = await eventOf(sub, pendingApproval);
    expect(asked.approval).toMatchObject({ tool: 'calc.add', arguments: { a: 2, b: 40 } });
    const offered = fake.requests.at(-1)!.tools.find((t: Record<string, any>) => t.function.name === 'mcp_calc_add');
    expect(offered.function.parameters).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } });
    const before = mcp.calls.length;
    const badEdit = (await gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id, arguments: { a: 'two', b: 40 } } })).approveToolCall;
    expect(badEdit.__typename).toBe('ValidationError');
    await gqlAs(server, user, APPROVE, { input: { approvalId: asked.approval.id } });
    const run = await waitForRun(server, user, runId);
    expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'The sum is 42.' } });
    expect(mcp.calls.slice(before)).toEqual([{ tool: 'add', args: { a: 2, b: 40 } }]);
    expect(JSON.parse(fake.requests.at(-1)!.messages.at(-1).content).data.text).toBe('42');
    sub.stop();
  }, 60_000);

  it('reports a slow server, a failing tool, an oversized result and a server gone down to the model', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Mcp Failures');
    await gqlAs(server, user, ADD, { input: { name: 'flaky', url: mcp.url } });
    const tools = ['flaky.slow', 'flaky.fail', 'flaky.big'];
    for (const tool of tools) await setPolicy(server, user, { tool, policy: 'AUTO' });
    const { thread } = await teammateWith(server, user, tools);

    const toolResult = async (threadId: string, name: string, args: Record<string, unknown>) => {
      fake.enqueue({ kind: 'tools', calls: [{ name, arguments: JSON.stringify(args) }] }, { kind: 'text', chunks: ['Reported.'] });
      const runId = (await send(server, user, threadId, `call ${name}`)).runs[0].id;
      const run = await waitForRun(server, user, runId);
      expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'Reported.' } });
      return JSON.parse(fake.requests.at(-1)!.messages.at(-1).content) as Record<string, any>;
    };
    const started = Date.now();
    expect((await toolResult(thread, 'mcp_flaky_slow', { ms: 10_000 })).error).toMatch(/did not answer within 1500 ms/);
    expect(Date.now() - started).toBeLessThan(9_000);
    expect((await toolResult(thread, 'mcp_flaky_fail', {})).error).toMatch(/the upstream API said no/);
    const big = await toolResult(thread, 'mcp_flaky_big', { size: 50_000 });
    expect(big.data.text).toHaveLength(1000);
    expect(big.data.truncated).toBe(true);
    expect(big.summary).toMatch(/cut to 1000 of 50000/);

    // A server that goes down after it was added: the call fails readably.
    const gone = await startTestMcpServer();
    await gqlAs(server, user, ADD, { input: { name: 'gone', url: gone.url } });
    await setPolicy(server, user, { tool: 'gone.echo', policy: 'AUTO' });
    const { thread: goneThread } = await teammateWith(server, user, ['gone.echo']);
    await gone.close();
    expect((await toolResult(goneThread, 'mcp_gone_echo', { text: 'hi' })).error).toMatch(/MCP server failed/);
  }, 90_000);

  it('only owners and admins manage servers and policies; other organisations see none of it', async () => {
    const { server } = ctx;
    const owner = await signUpUser(server, 'Mcp Tenant');
    const other = await signUpUser(server, 'Mcp Stranger');
    const added = (await gqlAs(server, owner, ADD, { input: { name: 'private', url: mcp.url, headers: { 'X-Key': 'k' } } })).addMcpServer;
    expect((await gqlAs(server, other, '{ mcpServers { id } }')).mcpServers).toEqual([]);
    expect((await gqlAs(server, other, 'query($id: ID!) { node(id: $id) { id } }', { id: added.id })).node).toBeNull();
    expect((await gqlAs(server, other, REMOVE, { input: { id: added.id } })).removeMcpServer.__typename).toBe('NotFoundError');
    expect((await gqlAs(server, other, UPDATE, { input: { id: added.id, url: mcp.url } })).updateMcpServer.__typename).toBe('NotFoundError');
    expect((await gqlAs(server, owner, 'query($id: ID!) { node(id: $id) { ... on McpServer { name } } }', { id: added.id })).node).toEqual({ name: 'private' });

    // A member (not an admin) of a team organisation may not manage them.
    const team = (await gqlAs(server, owner, 'mutation { createOrg(input: { name: "Tools Inc" }) { ... on OrgPayload { org { id } } } }')).createOrg.org.id;
    const invite = (await server.gql<any>('mutation($email: String!) { inviteMember(input: { email: $email, role: MEMBER }) { ... on InviteMemberPayload { token } } }', { email: other.email }, { token: owner.token, headers: { 'x-tmates-org': team } })).data.inviteMember;
    await gqlAs(server, other, 'mutation($token: String!) { acceptInvitation(input: { token: $token }) { __typename } }', { token: invite.token });
    const asMember = { token: other.token, headers: { 'x-tmates-org': team } };
    expect((await server.gql<any>(ADD, { input: { name: 'mine', url: mcp.url } }, asMember)).data.addMcpServer.__typename).toBe('ForbiddenError');
    expect((await server.gql<any>(SET_POLICY, { input: { tool: 'remember', policy: 'OFF' } }, asMember)).data.setToolPolicy.__typename).toBe('ForbiddenError');
  }, 60_000);
});
