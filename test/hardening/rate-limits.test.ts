import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Two processes on one database: the limits are counted in PostgreSQL, so they hold across both. */
let db: TestDatabase;
let a: TestServer;
let b: TestServer;
const env = { RATE_LIMIT_AUTH_PER_ACCOUNT: '5', RATE_LIMIT_AUTH_PER_IP: '40', RATE_LIMIT_WRITES_PER_USER: '6' };
beforeAll(async () => {
  db = await createTestDatabase();
  [a, b] = await Promise.all([startTestServer({ databaseUrl: db.url, env }), startTestServer({ databaseUrl: db.url, env })]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
});

type Data = Record<string, any>;
const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { __typename ... on AuthPayload { token } ... on RateLimitError { retryAfterSeconds message } } }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { __typename ... on RateLimitError { retryAfterSeconds } } }`;

describe('rate limits', () => {
  it('throttle signIn per account across processes: wrong passwords, then even the right one', async () => {
    const user = await signUpUser(a, 'Target');
    const typenames: string[] = [];
    for (let i = 0; i < 8; i += 1) {
      const server = i % 2 ? b : a;
      const result = await server.gql<Data>(SIGN_IN, { input: { email: user.email, password: `wrong-${i}` } });
      typenames.push(result.data!.signIn.__typename);
    }
    // signUp counted once against the account; four wrong passwords, then refusals.
    expect(typenames).toEqual([...Array(4).fill('InvalidCredentialsError'), ...Array(4).fill('RateLimitError')]);
    const right = await b.gql<Data>(SIGN_IN, { input: { email: user.email, password: 'correct horse battery' } });
    expect(right.data!.signIn.__typename).toBe('RateLimitError');
    expect(right.data!.signIn.retryAfterSeconds).toBeGreaterThan(0);
    expect(right.data!.signIn.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another account from the same address is not locked out by it.
    const other = await signUpUser(b, 'Bystander');
    expect((await a.gql<Data>(SIGN_IN, { input: { email: other.email, password: 'correct horse battery' } })).data!.signIn.__typename).toBe('AuthPayload');
  });

  it('throttle writes per person, with a typed RateLimitError in the mutation result', async () => {
    const user = await signUpUser(a, 'Writer');
    const settings = 'mutation { updateSettings(input: { user: { timezone: "Europe/Paris" } }) { __typename ... on RateLimitError { retryAfterSeconds } } }';
    const typenames: string[] = [];
    for (let i = 0; i < 8; i += 1) typenames.push((await (i % 2 ? a : b).gql<Data>(settings, {}, { token: user.token })).data!.updateSettings.__typename);
    expect(typenames.slice(6)).toEqual(['RateLimitError', 'RateLimitError']);
    expect(typenames.slice(0, 6)).not.toContain('RateLimitError');
    // Reads are not writes.
    expect((await a.gql<Data>('{ viewer { user { id } } }', {}, { token: user.token })).errors).toBeUndefined();
  });
  it('throttle signUp and signIn per IP address', async () => {
    // The earlier tests used part of this address's 40 attempts in this window; a flood uses the rest.
    const results: string[] = [];
    for (let i = 0; i < 45; i += 1) {
      const result = await (i % 2 ? a : b).gql<Data>(SIGN_UP, { input: { email: `flood-${i}@example.com`, password: 'correct horse battery', displayName: 'Flood' } });
      results.push(result.data!.signUp.__typename);
    }
    expect(results.at(-1)).toBe('RateLimitError');
    expect(results.filter((t) => t === 'AuthPayload').length).toBeLessThan(40);
  });

});
