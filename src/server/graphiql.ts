import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { shouldRenderGraphiQL, type GraphiQLOptions, type Plugin } from 'graphql-yoga';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/**
 * The GraphiQL playground on `GET /graphql` (for a browser asking for HTML), shown with how to
 * sign in, and sent compressed.
 *
 * The page is Yoga's own renderer (`@graphql-yoga/render-graphiql`): about 9 MB of HTML with every
 * script, style and web worker inlined, so that the playground works offline. It is the same for
 * every visitor, so it is rendered once, compressed once per encoding (brotli for browsers and
 * `curl --compressed`, gzip for the rest: about 1.9 MB and 2.4 MB on the wire), and sent with an
 * ETag: a browser that has it revalidates with `If-None-Match` and gets a 304 with no body.
 */
export function useGraphiQLPage(options: { endpoint: string }): Plugin {
  let page: Promise<Page> | undefined;
  return {
    onRequest({ request, url, endResponse }) {
      if (url.pathname !== options.endpoint || !shouldRenderGraphiQL(request)) return;
      page ??= renderPage();
      // Yoga awaits a returned promise before going on with the request.
      return page.then(async (p) => endResponse(await p.respond(request)));
    },
  };
}

/** What the playground opens with when the browser has no tabs of its own stored yet. */
export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'Tmates GraphQL',
  // The Headers pane is open, with the header every signed-in operation needs: empty (anonymous)
  // until a token is pasted after "Bearer ", so that the schema still loads for the docs.
  defaultEditorToolsVisibility: 'headers',
  headers: JSON.stringify({ authorization: '' }, null, 2),
  // Server-sent events carry the Headers pane like queries do, so subscriptions are signed in too.
  subscriptionsProtocol: 'SSE',
  // A small inline icon instead of the renderer's 150 kB default.
  favicon:
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='7' fill='%23315efb'/%3E%3Ctext x='16' y='23' font-size='19' font-family='sans-serif' text-anchor='middle' fill='white'%3ET%3C/text%3E%3C/svg%3E",
  defaultQuery: `# Welcome to the Tmates API.
# Most operations need a sign-in token:
#
# 1. Run SignIn (SignUp for a new account),
#    or in a terminal: npx tmates token
# 2. In Headers below, put it after "Bearer ":
#    { "authorization": "Bearer eyJhbGciOi…" }
#    An API key (tm_…) goes there too. For a
#    team org, add "x-tmates-org": "<org id>".
# 3. Run Me to see who you are.
#
# ▶ runs an operation; Docs (top left) has all.

mutation SignIn {
  signIn(input: {
    email: "you@example.com"
    password: "your password"
  }) {
    __typename
    ... on AuthPayload { token expiresAt }
    ... on Error { message }
  }
}

mutation SignUp {
  signUp(input: {
    email: "you@example.com"
    password: "at least 10 characters"
    displayName: "You"
  }) {
    __typename
    ... on AuthPayload { token expiresAt }
    ... on Error { message }
  }
}

query Me {
  viewer {
    user { email displayName }
    currentOrg { id name kind }
    role
  }
}
`,
};

interface Page {
  respond(request: Request): Promise<Response>;
}

async function renderPage(): Promise<Page> {
  // A large module (the playground's whole bundle): loaded on the first playground request only.
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  const html = Buffer.from(renderGraphiQL(GRAPHIQL_OPTIONS));
  const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`;
  // Each encoding is made once, when first asked for, on libuv's thread pool (not the event loop).
  // Brotli quality 5 is within 12% of the best (11) at a twentieth of its time (0.5 s against 40 s
  // for this page on an idle core); gzip beyond level 6 saves under 1%.
  const encoded = new Map<'br' | 'gzip', Promise<Uint8Array<ArrayBuffer>>>();
  const encode = (encoding: 'br' | 'gzip'): Promise<Uint8Array<ArrayBuffer>> => {
    let body = encoded.get(encoding);
    if (!body) {
      const compressed =
        encoding === 'br'
          ? brotli(html, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: html.length } })
          : gzip(html, { level: 6 });
      body = compressed.then((b) => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.length));
      encoded.set(encoding, body);
    }
    return body;
  };
  const headers = (encoding?: string): Record<string, string> => ({
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-cache',
    vary: 'accept-encoding',
    etag,
    ...(encoding ? { 'content-encoding': encoding } : {}),
  });
  return {
    async respond(request) {
      if (request.headers.get('if-none-match')?.split(/\s*,\s*/).includes(etag)) return new Response(null, { status: 304, headers: headers() });
      const encoding = preferredEncoding(request.headers.get('accept-encoding'));
      if (!encoding) return new Response(html, { headers: headers() });
      return new Response(await encode(encoding), { headers: headers(encoding) });
    },
  };
}

/** br over gzip when both are acceptable (RFC 9110 `Accept-Encoding`, q-values honoured). */
export function preferredEncoding(header: string | null): 'br' | 'gzip' | undefined {
  if (!header) return undefined;
  const accepted = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const quality = (name: string) => accepted.get(name) ?? (accepted.has('*') ? accepted.get('*')! : 0);
  if (quality('br') > 0 && quality('br') >= quality('gzip')) return 'br';
  if (quality('gzip') > 0) return 'gzip';
  return undefined;
}
