import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './errors.ts';
import './server-info.ts';
import './users.ts';
import './orgs.ts';
import './api-keys.ts';
import './viewer.ts';
import './teammates.ts';
import './catalog.ts';
import './threads.ts';
import './runs.ts';
import './messages.ts';
import './usage.ts';
import './events.ts';
import './files.ts';
import './pinboard.ts';
import './pinboard-events.ts';
import './goals.ts';
import './goal-events.ts';
import './file-events.ts';
import './tool-approvals.ts';
import './mcp-servers.ts';
import './generated-files.ts';
import '../resolvers/server-info.ts';
import '../resolvers/auth.ts';
import '../resolvers/viewer.ts';
import '../resolvers/orgs.ts';
import '../resolvers/api-keys.ts';
import '../resolvers/teammates.ts';
import '../resolvers/memories.ts';
import '../resolvers/threads.ts';
import '../resolvers/messages.ts';
import '../resolvers/runs.ts';
import '../resolvers/events.ts';
import '../resolvers/files.ts';
import '../resolvers/pinboard.ts';
import '../resolvers/goals.ts';
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
