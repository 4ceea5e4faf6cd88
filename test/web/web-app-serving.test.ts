import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { useWebApp } from '../../src/server/web-app.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { startTestServer } from '../helpers/server.ts';

const schema = createSchema({ typeDefs: 'type Query { ok: Boolean }', resolvers: { Query: { ok: () => true } } });
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A Yoga with only the web app plugin, over a dist folder made for the test. */
function yogaWith(files: Record<string, string> | null) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tmates-dist-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files ?? {})) {
    const full = path.join(dir, name);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
    if (/\.(js|html)$/.test(name)) {
      writeFileSync(`${full}.gz`, gzipSync(text));
      writeFileSync(`${full}.br`, brotliCompressSync(text));
    }
  }
  return createYoga({ schema, logging: false, plugins: [useWebApp({ logger: createLogger('silent'), distDir: dir })] });
}

const APP = { 'index.html': '<!doctype html><script src="/assets/app-abc123.js"></script>', 'assets/app-abc123.js': 'console.log("app")' };

describe('serving the web app', () => {
  it('picks brotli, then gzip, then plain bytes by accept-encoding, and answers If-None-Match with 304', async () => {
    const yoga = yogaWith(APP);
    const br = await yoga.fetch('http://localhost/assets/app-abc123.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toBe('accept-encoding');
    const gz = await yoga.fetch('http://localhost/assets/app-abc123.js', { headers: { 'accept-encoding': 'gzip, br;q=0' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const plain = await yoga.fetch('http://localhost/assets/app-abc123.js', { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe('console.log("app")');
    const again = await yoga.fetch('http://localhost/assets/app-abc123.js', { headers: { 'if-none-match': plain.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('404s a missing hashed asset instead of answering it with index.html, and leaves the API alone', async () => {
    const yoga = yogaWith(APP);
    const missing = await yoga.fetch('http://localhost/assets/gone-000.js', { headers: { accept: 'text/html' } });
    expect(missing.status).toBe(404);
    const api = await yoga.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ ok }' }) });
    expect(await api.json()).toEqual({ data: { ok: true } });
    const graphiql = await yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).not.toContain('app-abc123');
  });

  it('says how to build the app when it is not built', async () => {
    const yoga = yogaWith(null);
    const response = await yoga.fetch('http://localhost/', { headers: { accept: 'text/html' } });
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build:web');
  });

  it('is off with SERVE_WEB=false: / is not the app, /graphql still answers', async () => {
    const db = await createTestDatabase();
    const server = await startTestServer({ databaseUrl: db.url, env: { SERVE_WEB: 'false' } });
    try {
      const base = server.url.replace(/\/graphql$/, '');
      const page = await fetch(`${base}/`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(404);
      expect(await page.text()).not.toContain('<div id="root">');
      const api = await server.gql('{ serverInfo { version signIn { builtIn supabase { url } } } }');
      expect(api.status).toBe(200);
      expect(api.data).toMatchObject({ serverInfo: { signIn: { builtIn: true, supabase: null } } });
    } finally {
      await server.stop();
      await db.drop();
    }
  });
});
