import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.ts';

/** Where `npm run build:web` writes the app (clients/web/dist), next to this repository's sources. */
export const WEB_DIST_DIR = fileURLToPath(new URL('../../clients/web/dist/', import.meta.url));

/** Paths that belong to the API, never to the app (even when a browser asks for HTML). */
const API_PATHS = /^\/(graphql|healthz|readyz|metrics|webhooks)(\/|$)|^\/files\//;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface Asset {
  type: string;
  /** Uncompressed bytes, and the precompressed variants the build wrote (`.br`, `.gz`) if any. */
  identity: Buffer;
  br?: Buffer;
  gzip?: Buffer;
  etag: string;
}

/** Reads every file of the build once (the app is small): the path under `/` → its bytes. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.endsWith('.br') && !entry.name.endsWith('.gz')) {
        const urlPath = '/' + path.relative(dir, full).split(path.sep).join('/');
        const stat = statSync(full);
        assets.set(urlPath, {
          type: TYPES[path.extname(entry.name)] ?? 'application/octet-stream',
          identity: readFileSync(full),
          br: existsSync(`${full}.br`) ? readFileSync(`${full}.br`) : undefined,
          gzip: existsSync(`${full}.gz`) ? readFileSync(`${full}.gz`) : undefined,
          etag: `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`,
        });
      }
    }
  };
  walk(dir);
  return assets;
}

/** `br` when the client takes it and the build made it, else `gzip`, else the plain bytes. */
function pickEncoding(asset: Asset, acceptEncoding: string): { body: Buffer; encoding?: 'br' | 'gzip' } {
  const accepts = (name: string) => new RegExp(`(^|[\\s,])${name}(?!;q=0(\\.0*)?(,|$))`).test(acceptEncoding);
  if (asset.br && accepts('br')) return { body: asset.br, encoding: 'br' };
  if (asset.gzip && accepts('gzip')) return { body: asset.gzip, encoding: 'gzip' };
  return { body: asset.identity };
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Tmates</title>
<p>The web app is not built yet. Run <code>npm run build:web</code> (it also runs on <code>npm install</code>), then reload.
The API is at <a href="/graphql">/graphql</a>.</p>`;

/**
 * Serves the built web app (clients/web/dist) at `/` from the same port as the API:
 * * `/assets/*` are content-hashed by Vite: `cache-control: public, max-age=31536000, immutable`;
 * * `index.html` (and any client route such as `/threads/<id>`, the SPA fallback for GET requests that
 *   accept HTML) is `no-cache`, so a new build is picked up on the next load;
 * * bodies are the build's precompressed `.br`/`.gz` files, chosen by `accept-encoding` (`vary` set);
 * * `/graphql`, health, metrics, file and webhook paths are never touched.
 * The files are read once, on the first request (restart the server after rebuilding).
 */
export function useWebApp(options: { logger: Logger; distDir?: string }): Plugin {
  const dir = options.distDir ?? WEB_DIST_DIR;
  const log = options.logger.child({ component: 'web-app' });
  let assets: Map<string, Asset> | undefined;
  let warned = false;
  const load = () => {
    if (assets) return assets;
    if (!existsSync(path.join(dir, 'index.html'))) {
      if (!warned) log.warn({ dir }, 'web app not built; run `npm run build:web`');
      warned = true;
      return undefined;
    }
    assets = loadAssets(dir);
    log.debug({ files: assets.size }, 'web app loaded');
    return assets;
  };

  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (API_PATHS.test(url.pathname)) return;
      const files = load();
      const wantsHtml = (request.headers.get('accept') ?? '').includes('text/html');
      if (!files) {
        if (url.pathname === '/' || wantsHtml) {
          endResponse(new fetchAPI.Response(NOT_BUILT, { status: 503, headers: { 'content-type': TYPES['.html']!, 'cache-control': 'no-store' } }));
        }
        return;
      }
      let asset = files.get(url.pathname);
      const hashed = url.pathname.startsWith('/assets/');
      if (!asset && !hashed && (url.pathname === '/' || wantsHtml)) asset = files.get('/index.html');
      if (!asset) {
        if (hashed) endResponse(new fetchAPI.Response('Not found', { status: 404, headers: { 'cache-control': 'no-store' } }));
        return;
      }
      const isHtml = asset.type.startsWith('text/html');
      const headers: Record<string, string> = {
        'content-type': asset.type,
        'cache-control': hashed ? 'public, max-age=31536000, immutable' : isHtml ? 'no-cache' : 'public, max-age=3600',
        etag: asset.etag,
        vary: 'accept-encoding',
        'x-content-type-options': 'nosniff',
      };
      if (isHtml) {
        headers['referrer-policy'] = 'same-origin';
        headers['x-frame-options'] = 'DENY';
      }
      if (request.headers.get('if-none-match') === asset.etag) {
        endResponse(new fetchAPI.Response(null, { status: 304, headers }));
        return;
      }
      const { body, encoding } = pickEncoding(asset, request.headers.get('accept-encoding') ?? '');
      if (encoding) headers['content-encoding'] = encoding;
      headers['content-length'] = String(body.length);
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers }));
    },
  };
}
