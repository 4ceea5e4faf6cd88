import http from 'node:http';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { preferredEncoding } from '../../src/server/graphiql.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';

let server: TestServer;
useTestServer({}, (s) => (server = s));

/** GET with exactly these headers, and the bytes as they came over the wire (no decompression). */
function getRaw(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('GraphiQL', () => {
  it('is sent with brotli or gzip, and the same page either way', async () => {
    const plain = await getRaw(server.url, { accept: 'text/html' });
    const br = await getRaw(server.url, { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br, zstd' });
    const gz = await getRaw(server.url, { accept: 'text/html', 'accept-encoding': 'gzip' });
    expect([plain.status, br.status, gz.status]).toEqual([200, 200, 200]);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(br.headers['content-encoding']).toBe('br');
    expect(gz.headers['content-encoding']).toBe('gzip');
    for (const r of [plain, br, gz]) {
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers.vary).toBe('accept-encoding');
      expect(r.headers['x-request-id']).toBeTruthy();
    }
    expect(zlib.brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(zlib.gunzipSync(gz.body).equals(plain.body)).toBe(true);
    // The renderer inlines every script and worker (about 9 MB); compressed, a quarter or less.
    expect(br.body.length).toBeLessThan(plain.body.length / 4);
    expect(gz.body.length).toBeLessThan(plain.body.length / 3);
    const html = plain.body.toString();
    expect(html).toContain('<title>Tmates GraphQL</title>');
    expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr/);
  });

  it('shows how to sign in: the authorization header in the Headers pane, and a commented SignIn', async () => {
    const html = (await getRaw(server.url, { accept: 'text/html' })).body.toString();
    const options = JSON.parse(/YogaGraphiQL\.renderYogaGraphiQL\(\s*window\.document\.querySelector\('#root'\),\s*(\{.*\}),\s*\);/s.exec(html)![1]!);
    expect(JSON.parse(options.headers)).toEqual({ authorization: '' });
    expect(options.defaultEditorToolsVisibility).toBe('headers');
    expect(options.subscriptionsProtocol).toBe('SSE');
    expect(options.defaultQuery).toContain('{ "authorization": "Bearer eyJhbGciOi…" }');
    expect(options.defaultQuery).toContain('npx tmates token');
    expect(options.defaultQuery).toMatch(/mutation SignIn \{\n {2}signIn\(input: \{/);
    // The default document works as written: SignUp gives a token, and Me with it in the header
    // (an empty header is anonymous, not refused) shows who signed up.
    const document = options.defaultQuery as string;
    const run = (operationName: string, authorization: string) =>
      fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: document, operationName }),
      }).then((r) => r.json() as Promise<{ data: Record<string, any>; errors?: unknown }>);
    const signUp = await run('SignUp', '');
    expect(signUp.errors).toBeUndefined();
    expect(signUp.data.signUp.__typename).toBe('AuthPayload');
    const me = await run('Me', `Bearer ${signUp.data.signUp.token}`);
    expect(me.data.viewer.user.email).toBe('you@example.com');
  });

  it('answers a revalidation with 304 and no body', async () => {
    const first = await getRaw(server.url, { accept: 'text/html', 'accept-encoding': 'br' });
    expect(first.headers['cache-control']).toBe('no-cache');
    const etag = first.headers.etag!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await getRaw(server.url, { accept: 'text/html', 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('picks the encoding by the q-values of Accept-Encoding', () => {
    expect(preferredEncoding('gzip, deflate, br')).toBe('br');
    expect(preferredEncoding('br;q=0.5, gzip')).toBe('gzip');
    expect(preferredEncoding('br;q=0, gzip;q=0')).toBeUndefined();
    expect(preferredEncoding('identity')).toBeUndefined();
    expect(preferredEncoding('*')).toBe('br');
    expect(preferredEncoding(null)).toBeUndefined();
  });
});
