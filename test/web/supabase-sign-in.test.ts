/**
 * Supabase sign-in from the web app: the server tells the page (serverInfo.signIn.supabase), the page
 * signs in with supabase-js against a local stand-in for Supabase Auth (the GoTrue password grant,
 * over real HTTP with CORS, tokens signed with the project's HS256 secret), and Tmates accepts the token.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestsEnabled, openApp, useBrowser } from '../helpers/browser.ts';
import { useTestServer, type TestServer } from '../helpers/server.ts';

const SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';
const ACCOUNT = { email: 'sb-person@example.com', password: 'correct horse battery', id: randomUUID() };
let auth: Server;
let authUrl = '';

async function accessToken(url: string) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: ACCOUNT.email, role: 'authenticated', user_metadata: { full_name: 'Supa Person' } })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(ACCOUNT.id)
    .setAudience('authenticated')
    .setIssuer(`${url}/auth/v1`)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(SECRET));
}

beforeAll(async () => {
  auth = createServer(async (req, res) => {
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'apikey, authorization, content-type, x-client-info, x-supabase-api-version',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
    };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.method === 'POST' && req.url?.startsWith('/auth/v1/token?grant_type=password') && req.headers.apikey === 'anon-key') {
      const { email, password } = JSON.parse(body) as { email: string; password: string };
      if (email !== ACCOUNT.email || password !== ACCOUNT.password) {
        res.writeHead(400, { ...cors, 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' }));
      }
      const now = Math.floor(Date.now() / 1000);
      res.writeHead(200, { ...cors, 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({
          access_token: await accessToken(authUrl),
          token_type: 'bearer',
          expires_in: 3600,
          expires_at: now + 3600,
          refresh_token: 'refresh-1',
          user: { id: ACCOUNT.id, aud: 'authenticated', role: 'authenticated', email: ACCOUNT.email, app_metadata: {}, user_metadata: {}, created_at: new Date().toISOString() },
        }),
      );
    }
    res.writeHead(404, cors).end();
  });
  await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
  authUrl = `http://127.0.0.1:${(auth.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => auth?.close(r)));

describe.skipIf(!browserTestsEnabled)('Supabase sign-in in the web app', { timeout: 90_000 }, () => {
  const chrome = useBrowser(); // first: it may build the app before the server starts
  let server: TestServer;
  useTestServer(
    () => ({ env: { SUPABASE_URL: authUrl, SUPABASE_ANON_KEY: 'anon-key', SUPABASE_JWT_SECRET: SECRET } }),
    (s) => (server = s),
  );

  it('offers Supabase when configured, refuses a wrong password, and signs in with the right one', async () => {
    const info = await server.gql<{ serverInfo: { signIn: unknown } }>('{ serverInfo { signIn { builtIn supabase { url anonKey } } } }');
    expect(info.data?.serverInfo.signIn).toEqual({ builtIn: true, supabase: { url: authUrl, anonKey: 'anon-key' } });

    const { page, context, problems } = await openApp(chrome.browser, server.url.replace(/\/graphql$/, ''));
    try {
      await page.getByLabel('Account', { exact: true }).selectOption('supabase');
      await page.getByRole('button', { name: 'Sign in' }).click(); // to the sign-in form
      await page.getByLabel('Email').fill(ACCOUNT.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'Invalid login credentials' }).waitFor();

      await page.getByLabel('Password').fill(ACCOUNT.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Threads', exact: true }).waitFor();
      await page.locator('.me').getByText('Supa Person').waitFor();
      // The refused password is a 400 from Supabase Auth, which the browser logs; nothing else.
      expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
