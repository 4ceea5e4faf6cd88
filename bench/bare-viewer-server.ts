/**
 * The baseline of `npm run bench:graphql`: the least work that answers `{ viewer { user { id } } }`
 * for a signed-in caller, on a bare `node:http` server and a `pg` pool — no GraphQL. It reads and
 * parses the JSON body, verifies the bearer token the way the API does (`verifyBuiltinToken`, with
 * its cache of verified signatures), runs the API's two statements as named prepared
 * statements, as the API does (the user by id, the user's memberships with their organisations) and answers the same JSON. Run as its own process:
 * DATABASE_URL, TMATES_SECRET, DATABASE_POOL_SIZE (default 10, as the API's); prints
 * `bare listening on <port>`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { TOKEN_ISSUER, unverifiedIssuer, verifyBuiltinToken } from '../src/auth/tokens.ts';

const secret = process.env.TMATES_SECRET!;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });

// The statements Kysely sends for `findUserById` and `membershipsOfUser`.
const USER = 'select "id", "email", "display_name", "avatar_url", "created_at" from "users" where "id" = $1';
const MEMBERSHIPS =
  'select "orgs"."id", "orgs"."name", "orgs"."kind", "orgs"."settings", "orgs"."created_at", "org_members"."role", "org_members"."created_at" as "joined_at" ' +
  'from "org_members" inner join "orgs" on "orgs"."id" = "org_members"."org_id" where "org_members"."user_id" = $1 ' +
  `order by orgs.kind = 'personal' desc, "orgs"."name", "orgs"."id"`;

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
      // Named (prepared) statements, as the API runs them.
      const user = (await pool.query({ name: 'user', text: USER, values: [verified.userId] })).rows[0] as { id: string } | undefined;
      const memberships = (await pool.query({ name: 'memberships', text: MEMBERSHIPS, values: [verified.userId] })).rows;
      if (!user || memberships.length === 0) return reply(res, 200, { errors: [{ message: 'Invalid token' }] });
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
