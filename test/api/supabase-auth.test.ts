import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestServer, wsExecute, type TestServer } from '../helpers/server.ts';

/**
 * Supabase access tokens verified against a JWKS served over real HTTP by a local stand-in for the
 * Supabase project (keys generated here), and against a legacy HS256 secret.
 */
const HS_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
let jwksServer: Server;
let jwksFetches = 0;
let supabaseUrl: string;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let db: TestDatabase;
let server: TestServer;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
  jwksServer = createServer((req, res) => {
    if (req.url === '/auth/v1/.well-known/jwks.json') {
      jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  supabaseUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  db = await createTestDatabase();
  server = await startTestServer({
    databaseUrl: db.url,
    env: { SUPABASE_URL: supabaseUrl, SUPABASE_JWT_SECRET: HS_SECRET },
  });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
  await new Promise((r) => jwksServer?.close(r));
});

interface Claims {
  sub?: string;
  email?: string;
  name?: string;
  aud?: string;
  iss?: string;
  exp?: number;
}

function supabaseToken(claims: Claims, key: CryptoKey | Uint8Array = signingKey, kid = 'key-1') {
  const now = Math.floor(Date.now() / 1000);
  const alg = key instanceof Uint8Array ? 'HS256' : 'ES256';
  return new SignJWT({
    email: claims.email ?? 'sb-user@example.com',
    role: 'authenticated',
    user_metadata: { full_name: claims.name ?? 'Supa User', avatar_url: 'https://example.com/avatar.png' },
  })
    .setProtectedHeader(alg === 'HS256' ? { alg, typ: 'JWT' } : { alg, kid, typ: 'JWT' })
    .setSubject(claims.sub ?? randomUUID())
    .setAudience(claims.aud ?? 'authenticated')
    .setIssuer(claims.iss ?? `${supabaseUrl}/auth/v1`)
    .setIssuedAt(now - 5)
    .setExpirationTime(claims.exp ?? now + 600)
    .sign(key);
}

const VIEWER = '{ viewer { authMethod user { email displayName avatarUrl } currentOrg { kind name } role } }';

describe('Supabase JWTs', () => {
  it('verifies a token with the project JWKS and provisions the user with a personal org on first sight', async () => {
    const sub = randomUUID();
    const token = await supabaseToken({ sub, email: 'Ada@Example.com', name: 'Ada Lovelace' });
    const result = await server.gql(VIEWER, {}, { token });
    expect(result.data).toEqual({
      viewer: {
        authMethod: 'SUPABASE',
        user: { email: 'ada@example.com', displayName: 'Ada Lovelace', avatarUrl: 'https://example.com/avatar.png' },
        currentOrg: { kind: 'PERSONAL', name: 'Ada Lovelace' },
        role: 'OWNER',
      },
    });
    const again = await server.gql(VIEWER, {}, { token: await supabaseToken({ sub, email: 'ada@example.com' }) });
    expect(again.data).toEqual(result.data);
    const rows = await server.app.services.db.selectFrom('users').select('id').where('external_id', '=', sub).execute();
    expect(rows).toHaveLength(1);
    // The key set was fetched once and then served from cache.
    expect(jwksFetches).toBe(1);
  });

  it('creates exactly one user when a new person sends several first requests at once', async () => {
    const sub = randomUUID();
    const token = await supabaseToken({ sub, email: 'burst@example.com' });
    const results = await Promise.all(Array.from({ length: 6 }, () => server.gql(VIEWER, {}, { token })));
    for (const r of results) expect(r.errors).toBeUndefined();
    const users = await server.app.services.db.selectFrom('users').select('id').where('external_id', '=', sub).execute();
    expect(users).toHaveLength(1);
    const orgs = await server.app.services.db.selectFrom('orgs').select('id').where('personal_owner_id', '=', users[0]!.id).execute();
    expect(orgs).toHaveLength(1);
  });

  it('refuses wrong audience, wrong issuer, expiry and keys the project never published', async () => {
    const cases: Array<[Promise<string>, string]> = [
      [supabaseToken({ aud: 'anon-service' }), 'Invalid token'],
      [supabaseToken({ iss: 'https://evil.example/auth/v1' }), 'Invalid token'],
      [supabaseToken({ exp: Math.floor(Date.now() / 1000) - 30 }), 'Token expired'],
      [supabaseToken({}, strangerKey, 'key-1'), 'Invalid token'],
      [supabaseToken({}, strangerKey, 'unknown-kid'), 'Invalid token'],
    ];
    for (const [token, message] of cases) {
      const result = await server.gql(VIEWER, {}, { token: await token });
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.message).toBe(message);
    }
  });

  it('accepts tokens signed with the legacy HS256 secret, and only with it', async () => {
    const good = await supabaseToken({ email: 'legacy@example.com', name: 'Legacy' }, new TextEncoder().encode(HS_SECRET));
    expect((await server.gql(VIEWER, {}, { token: good })).data).toMatchObject({
      viewer: { authMethod: 'SUPABASE', user: { email: 'legacy@example.com' } },
    });
    const forged = await supabaseToken({}, new TextEncoder().encode('not-the-secret-not-the-secret-not-the-secret'));
    expect((await server.gql(VIEWER, {}, { token: forged })).status).toBe(401);
  });

  it('works over graphql-ws connectionParams', async () => {
    const token = await supabaseToken({ email: 'socket@example.com' });
    const client = server.wsClient({ authorization: `Bearer ${token}` });
    expect(await wsExecute(client, '{ viewer { user { email } } }')).toEqual({
      data: { viewer: { user: { email: 'socket@example.com' } } },
    });
  });

  it('never takes over a built-in account that has a password', async () => {
    await server.gql(
      'mutation { signUp(input: { email: "owner@example.com", password: "correct horse battery", displayName: "Owner" }) { __typename } }',
    );
    const result = await server.gql(VIEWER, {}, { token: await supabaseToken({ email: 'owner@example.com' }) });
    expect(result.status).toBe(401);
    expect(result.errors?.[0]?.message).toBe('This email belongs to another account; sign in with its password');
  });
});
