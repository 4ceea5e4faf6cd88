import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { ToolContext } from '../../src/agents/tools/types.ts';
import { findTeammatesInOrg } from '../../src/repositories/teammates.ts';
import { findDefaultThread } from '../../src/repositories/threads.ts';
import type { TestUser } from './accounts.ts';
import type { TestServer } from './server.ts';

/**
 * A real ToolContext, as the agent runtime builds one: the organisation's team chat, its lead
 * teammate, and a run of that teammate started by a real message of `user` in that thread.
 */
export async function toolContextFor(
  server: TestServer,
  user: TestUser,
  options: { org?: string; message?: string } = {},
): Promise<ToolContext> {
  const { services } = server.app;
  const orgId = decodeGlobalID(options.org ?? user.orgId).id;
  const thread = (await findDefaultThread(services.db, orgId))!;
  const [teammate] = await findTeammatesInOrg(services.db, orgId, [thread.leadTeammateId!]);
  const sent = await server.gql<{ sendMessage: { message: { id: string } } }>(
    'mutation($input: SendMessageInput!) { sendMessage(input: $input) { ... on SendMessagePayload { message { id } } } }',
    { input: { threadId: encodeGlobalID('Thread', thread.id), body: options.message ?? 'pin this, please' } },
    { token: user.token, headers: options.org ? { 'x-tmates-org': options.org } : {} },
  );
  const messageId = decodeGlobalID(sent.data!.sendMessage.message.id).id;
  const run = await services.db
    .insertInto('runs')
    .values({ org_id: orgId, thread_id: thread.id, teammate_id: teammate!.id, trigger_message_id: messageId, status: 'running' })
    .returning(['id', 'attempt'])
    .executeTakeFirstOrThrow();
  return { services, orgId, runId: run.id, attempt: run.attempt, thread, teammate: teammate!, signal: new AbortController().signal };
}

