import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from '../schema/builder.ts';
import '../schema/scalars.ts';
import '../schema/errors.ts';
import '../schema/server-info.ts';
import '../schema/push-targets.ts';
import '../schema/notifications.ts';
import '../schema/users.ts';
import '../schema/orgs.ts';
import '../schema/api-keys.ts';
import '../schema/viewer.ts';
import '../schema/teammates.ts';
import '../schema/teammate-settings.ts';
import '../schema/catalog.ts';
import '../schema/threads.ts';
import '../schema/runs.ts';
import '../schema/run-progress.ts';
import '../schema/messages.ts';
import '../schema/billing.ts';
import '../schema/usage.ts';
import '../schema/events.ts';
import '../schema/files.ts';
import '../schema/pinboard.ts';
import '../schema/pinboard-links.ts';
import '../schema/pinboard-events.ts';
import '../schema/goals.ts';
import '../schema/goal-events.ts';
import '../schema/file-events.ts';
import '../schema/server-auth.ts';
import '../schema/finish-reasons.ts';
import '../schema/revisions.ts';
import '../schema/tool-approvals.ts';
import '../schema/mcp-servers.ts';
import '../schema/generated-files.ts';
import '../resolvers/server-info.ts';
import '../resolvers/push-targets.ts';
import '../resolvers/notifications.ts';
import '../resolvers/auth.ts';
import '../resolvers/viewer.ts';
import '../resolvers/orgs.ts';
import '../resolvers/api-keys.ts';
import '../resolvers/teammates.ts';
import '../resolvers/teammate-settings.ts';
import '../resolvers/memories.ts';
import '../resolvers/threads.ts';
import '../resolvers/messages.ts';
import '../resolvers/runs.ts';
import '../resolvers/events.ts';
import '../resolvers/files.ts';
import '../resolvers/pinboard.ts';
import '../resolvers/goals.ts';
import '../resolvers/billing.ts';
import '../resolvers/tool-approvals.ts';
import '../resolvers/mcp-servers.ts';

builder.queryType({ description: 'Everything a client can read.' });
builder.mutationType({ description: 'Everything a client can change. Expected failures are typed members of each result.' });
builder.subscriptionType({ description: 'Live events over graphql-ws (WebSocket) or server-sent events.' });

/** The executable schema; every type module is imported above for its side effect on the builder. */
export const schema: GraphQLSchema = builder.toSchema({ sortSchema: true });

/** SDL as committed in `schema.graphql` (sorted, so diffs stay small). */
export function printSchemaSdl(s: GraphQLSchema = schema): string {
  return `${printSchema(lexicographicSortSchema(s)).trim()}\n`;
}
