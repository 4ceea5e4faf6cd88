import { SignJWT } from 'jose';
import { sql } from 'kysely';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { TEST_SECRET, wsExecute, type TestServer, useTestServer } from '../helpers/server.ts';

let server: TestServer;
useTestServer({ env: { TOKEN_TTL_SECONDS: '3600' } }, (s) => (server = s));

const SIGN_UP = `mutation($input: SignUpInput!) {
  signUp(input: $input) {
    __typename
    ... on AuthPayload { token expiresAt user { id email displayName } }
    ... on ValidationError { message issues { field message } }
    ... on Error { message }
  }
}`;
const SIGN_IN = `mutation($input: SignInInput!) {
  signIn(input: $input) { __typename ... on AuthPayload { token user { email } } ... on Error { message } }
}`;
const VIEWER = '{ viewer { user { email } currentOrg { name kind } role authMethod tokenExpiresAt } }';

async function forgeToken(claims: { sub: string; exp: number; secret?: string; iss?: string }) {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(claims.iss ?? 'tmates')
    .setAudience('tmates-api')
    .setSubject(claims.sub)
    .setIssuedAt(claims.exp - 3600)
    .setExpirationTime(claims.exp)
    .sign(new TextEncoder().encode(claims.secret ?? TEST_SECRET));
}

async function userIdOf(email: string): Promise<string> {
  const row = await server.app.services.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
  return row.id;
}

/** Opens a graphql-ws connection and reports how it ended (close code) or that it was accepted. */
function connect(connectionParams: Record<string, unknown>): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: connectionParams })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') {
        resolve('open');
        socket.close();
      }
    });
    socket.on('close', (code) => resolve(code));
  });
}

describe('built-in accounts', () => {
  it('signs up with a personal organisation and a token that works', async () => {
    const result = await server.gql<{ signUp: { __typename: string; token: string; expiresAt: string } }>(SIGN_UP, {
      input: { email: ' Grace@Example.com ', password: 'correct horse battery', displayName: 'Grace Hopper' },
    });
    expect(result.data?.signUp.__typename).toBe('AuthPayload');
    const { token, expiresAt } = result.data!.signUp;
    expect(new Date(expiresAt).getTime() - Date.now()).toBeGreaterThan(3500_000);
    const viewer = await server.gql(VIEWER, {}, { token });
    expect(viewer.data).toEqual({
      viewer: {
        user: { email: 'grace@example.com' },
        currentOrg: { name: 'Grace Hopper', kind: 'PERSONAL' },
        role: 'OWNER',
        authMethod: 'TOKEN',
        tokenExpiresAt: expiresAt,
      },
    });
    const stored = await server.app.services.db
      .selectFrom('users')
      .select('password_hash')
      .where('email', '=', 'grace@example.com')
      .executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('names every invalid field and stores nothing', async () => {
    const result = await server.gql<{ signUp: { __typename: string; issues: Array<{ field: string }> } }>(SIGN_UP, {
      input: { email: 'not-an-email', password: 'short', displayName: '   ' },
    });
    expect(result.data?.signUp.__typename).toBe('ValidationError');
    expect(result.data!.signUp.issues.map((i) => i.field).sort()).toEqual(['displayName', 'email', 'password']);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where email = 'not-an-email'`.execute(
      server.app.services.db,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses a second account for the same email', async () => {
    const input = { email: 'twice@example.com', password: 'correct horse battery', displayName: 'Twice' };
    await server.gql(SIGN_UP, { input });
    const again = await server.gql<{ signUp: { __typename: string } }>(SIGN_UP, { input: { ...input, email: 'TWICE@example.com' } });
    expect(again.data?.signUp.__typename).toBe('ConflictError');
  });

  it('a wrong password gets a typed error and no token; so does an unknown email', async () => {
    await server.gql(SIGN_UP, { input: { email: 'linus@example.com', password: 'correct horse battery', displayName: 'Linus' } });
    for (const input of [
      { email: 'linus@example.com', password: 'wrong horse battery' },
      { email: 'nobody@example.com', password: 'correct horse battery' },
    ]) {
      const result = await server.gql<{ signIn: { __typename: string; token?: string; message: string } }>(SIGN_IN, { input });
      expect(result.data?.signIn).toEqual({ __typename: 'InvalidCredentialsError', message: 'Wrong email or password' });
    }
    const ok = await server.gql<{ signIn: { __typename: string; token: string } }>(SIGN_IN, {
      input: { email: 'LINUS@example.com', password: 'correct horse battery' },
    });
    expect(ok.data?.signIn.__typename).toBe('AuthPayload');
    expect((await server.gql(VIEWER, {}, { token: ok.data!.signIn.token })).data).toMatchObject({
      viewer: { user: { email: 'linus@example.com' } },
    });
  });

  it('refreshes a valid token into a new one', async () => {
    const user = await signUpUser(server, 'Refresh');
    const result = await server.gql<{ refreshToken: { __typename: string; token: string } }>(
      'mutation { refreshToken { __typename ... on AuthPayload { token } } }',
      {},
      { token: user.token },
    );
    expect(result.data?.refreshToken.__typename).toBe('AuthPayload');
    expect(result.data!.refreshToken.token).not.toBe(user.token);
    expect((await server.gql(VIEWER, {}, { token: result.data!.refreshToken.token })).data?.viewer).toBeTruthy();
  });

  it('is anonymous without a token: viewer is null, and private mutations ask to sign in', async () => {
    expect((await server.gql(VIEWER)).data).toEqual({ viewer: null });
    const result = await server.gql('mutation { createOrg(input: { name: "X" }) { __typename } }');
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('refused credentials', () => {
  it('refuses expired, tampered, foreign and malformed tokens over HTTP with 401', async () => {
    const user = await signUpUser(server, 'Expired');
    const sub = await userIdOf(user.email);
    const expired = await forgeToken({ sub, exp: Math.floor(Date.now() / 1000) - 10 });
    const foreign = await forgeToken({ sub, exp: Math.floor(Date.now() / 1000) + 600, secret: 'another-secret-another-secret-another' });
    const last = user.token.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${user.token.slice(0, -2)}${last}${user.token.at(-1)}`;
    const cases: Array<[string, Record<string, string>, string]> = [
      ['expired', { authorization: `Bearer ${expired}` }, 'Token expired'],
      ['tampered', { authorization: `Bearer ${tampered}` }, 'Invalid token'],
      ['foreign', { authorization: `Bearer ${foreign}` }, 'Invalid token'],
      ['garbage', { authorization: 'Bearer not.a.jwt' }, 'Invalid token'],
      ['malformed header', { authorization: user.token }, 'Authorization header must be "Bearer <token>"'],
    ];
    for (const [, headers, message] of cases) {
      const result = await server.gql('{ serverInfo { version } }', {}, { headers });
      expect(result.status).toBe(401);
      expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: 'UNAUTHENTICATED' } });
      expect(result.data ?? null).toBeNull();
    }
  });

  it('closes a WebSocket with 4403 for a bad token and accepts a good one', async () => {
    const user = await signUpUser(server, 'Socket');
    const sub = await userIdOf(user.email);
    const expired = await forgeToken({ sub, exp: Math.floor(Date.now() / 1000) - 10 });
    expect(await connect({ authorization: `Bearer ${expired}` })).toBe(4403);
    expect(await connect({ token: `${user.token}x` })).toBe(4403);
    expect(await connect({ authorization: `Bearer ${user.token}` })).toBe('open');
    expect(await connect({ token: user.token })).toBe('open');
  });

  it('stops new operations on an open socket once the token expires', async () => {
    const user = await signUpUser(server, 'Ticking');
    const sub = await userIdOf(user.email);
    const soon = await forgeToken({ sub, exp: Math.floor(Date.now() / 1000) + 2 });
    // Not lazy: the same socket stays open between the two operations.
    const client = server.wsClient({ authorization: `Bearer ${soon}` }, { lazy: false });
    expect(await wsExecute(client, '{ viewer { user { email } } }')).toEqual({ data: { viewer: { user: { email: user.email } } } });
    await new Promise((r) => setTimeout(r, 2_600));
    // The socket's credential ended with nothing running on it: it was closed with 4403 (or, had
    // the operation raced the close, the operation is refused).
    await expect(wsExecute(client, '{ viewer { user { email } } }')).rejects.toSatisfy(
      (errors: unknown) =>
        (Array.isArray(errors) && (errors[0] as { message: string }).message === 'Token expired') || (errors as { code?: number }).code === 4403,
    );
    await client.dispose();
  });
});

describe('API keys', () => {
  const CREATE = `mutation($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename ... on CreateApiKeyPayload { secret apiKey { id name prefix } } ... on Error { message }
    }
  }`;

  it('returns the secret once, stores only a hash, acts for its org, and stops working when revoked', async () => {
    const owner = await signUpUser(server, 'Keys');
    const created = await server.gql<{ createApiKey: { secret: string; apiKey: { id: string; prefix: string } } }>(
      CREATE,
      { input: { name: 'CI' } },
      { token: owner.token },
    );
    const { secret, apiKey } = created.data!.createApiKey;
    expect(secret).toMatch(/^tm_[A-Za-z0-9_-]{40}$/);
    expect(secret.startsWith(apiKey.prefix)).toBe(true);
    const stored = await server.app.services.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(secret);

    const asKey = await server.gql<{ viewer: { authMethod: string; currentOrg: { name: string } } }>(VIEWER, {}, { token: secret });
    expect(asKey.data?.viewer).toMatchObject({ authMethod: 'API_KEY', currentOrg: { name: 'Keys' }, role: 'OWNER' });
    expect(await connect({ authorization: `Bearer ${secret}` })).toBe('open');

    const listed = await server.gql<{ viewer: { apiKeys: Array<{ name: string; lastUsedAt: string | null }> } }>(
      '{ viewer { apiKeys { name lastUsedAt } } }',
      {},
      { token: owner.token },
    );
    expect(listed.data?.viewer.apiKeys).toEqual([{ name: 'CI', lastUsedAt: expect.any(String) }]);

    const keyMinting = await server.gql<{ createApiKey: { __typename: string } }>(CREATE, { input: { name: 'child' } }, { token: secret });
    expect(keyMinting.data?.createApiKey.__typename).toBe('ForbiddenError');

    const revoked = await server.gql<{ revokeApiKey: { __typename: string; revokedAt: string } }>(
      'mutation($id: ID!) { revokeApiKey(input: { apiKeyId: $id }) { __typename ... on ApiKey { revokedAt } } }',
      { id: apiKey.id },
      { token: owner.token },
    );
    expect(revoked.data?.revokeApiKey).toEqual({ __typename: 'ApiKey', revokedAt: expect.any(String) });
    const refused = await server.gql(VIEWER, {}, { token: secret });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toBe('Invalid or revoked API key');
    expect(await connect({ authorization: `Bearer ${secret}` })).toBe(4403);
  });

  it('refuses an expired key and validates the input', async () => {
    const owner = await signUpUser(server, 'Expiry');
    const past = await server.gql<{ createApiKey: { __typename: string } }>(
      CREATE,
      { input: { name: 'old', expiresAt: '2020-01-01T00:00:00Z' } },
      { token: owner.token },
    );
    expect(past.data?.createApiKey.__typename).toBe('ValidationError');
    const empty = await server.gql<{ createApiKey: { __typename: string } }>(CREATE, { input: { name: ' ' } }, { token: owner.token });
    expect(empty.data?.createApiKey.__typename).toBe('ValidationError');

    const created = await server.gql<{ createApiKey: { secret: string; apiKey: { id: string } } }>(
      CREATE,
      { input: { name: 'short-lived', expiresAt: new Date(Date.now() + 60_000).toISOString() } },
      { token: owner.token },
    );
    await sql`update api_keys set expires_at = now() - interval '1 second' where name = 'short-lived'`.execute(server.app.services.db);
    expect((await server.gql(VIEWER, {}, { token: created.data!.createApiKey.secret })).status).toBe(401);
  });
});
