/**
 * The baseline of `npm run bench:graphql`: the least work that answers `{ viewer { user { id } } }`
 * for a signed-in caller, on a bare `node:http` server and a `pg` pool — no GraphQL. It reads and
 * parses the JSON body, verifies the bearer token the way the API does (`verifyBuiltinToken`, with
 * its cache of verified signatures), runs the API's statement (`findUserWithMemberships`: the user
 * with their memberships and organisations) as a named prepared statement as the API does, picks
 * the personal organisation and answers the same JSON. Run as its own process: DATABASE_URL,
 * TMATES_SECRET, DATABASE_POOL_SIZE (default 10, as the API's); prints `bare listening on <port>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { TOKEN_ISSUER, unverifiedIssuer, verifyBuiltinToken } from '../src/auth/tokens.ts';

const secret = process.env.TMATES_SECRET!;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

// The statement Kysely sends for `findUserWithMemberships` (src/repositories/viewer-lookup.ts).
const USER_WITH_MEMBERSHIPS =
  'select "users"."id", "users"."email", "users"."display_name", "users"."avatar_url", "users"."created_at", "orgs"."id" as "org_id", ' +
  '"orgs"."name" as "org_name", "orgs"."kind" as "org_kind", "orgs"."settings" as "org_settings", "orgs"."created_at" as "org_created_at", ' +
  '"org_members"."role", "org_members"."created_at" as "joined_at" from "users" left join "org_members" on "org_members"."user_id" = "users"."id" ' +
  `left join "orgs" on "orgs"."id" = "org_members"."org_id" where "users"."id" = $1 order by orgs.kind = 'personal' desc, "orgs"."name", "orgs"."id"`;

function reply(res: import('node:http').ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/graphql-response+json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token || unverifiedIssuer(token) !== TOKEN_ISSUER) return reply(res, 200, { data: { viewer: null } });
      const verified = await verifyBuiltinToken(secret, token);
      // A named (prepared) statement, as the API runs it.
      const rows = (await pool.query({ name: 'viewer', text: USER_WITH_MEMBERSHIPS, values: [verified.userId] })).rows as Array<{ id: string; org_id: string | null; org_kind: string }>;
      const user = rows[0];
      const membership = rows.find((row) => row.org_kind === 'personal') ?? rows.find((row) => row.org_id !== null);
      if (!user || !membership) return reply(res, 200, { errors: [{ message: 'Invalid token' }] });
      reply(res, 200, { data: { viewer: { user: { id: Buffer.from(`User:${user.id}`).toString('base64') } } } });
    } catch (error) {
      reply(res, 200, { errors: [{ message: (error as Error).message }] });
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`bare listening on ${(server.address() as AddressInfo).port}`));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool.end().then(() => process.exit(0));
});
