import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredObject {
  bytes: Buffer;
  contentType: string;
}

export interface SupabaseStorageStub {
  url: string;
  serviceRoleKey: string;
  /** bucket/path → object */
  objects: Map<string, StoredObject>;
  /** Every request: method, path and whether it carried the service-role key. */
  requests: Array<{ method: string; path: string; authorised: boolean }>;
  close(): Promise<void>;
}

/**
 * A small local stand-in for Supabase Storage's HTTP API (the endpoints supabase-js v2 calls for
 * upload, download, info, remove, signed URLs and signed upload URLs), with its error shapes: enough
 * to run the supabase backend end to end without a Supabase project.
 */
export async function startSupabaseStorageStub(serviceRoleKey = 'service-role-test-key'): Promise<SupabaseStorageStub> {
  const objects = new Map<string, StoredObject>();
  const requests: SupabaseStorageStub['requests'] = [];
  const secret = randomUUID();
  const token = (purpose: string, key: string, expires: number) =>
    `${expires}.${createHmac('sha256', secret).update(`${purpose}:${key}:${expires}`).digest('base64url')}`;
  const tokenValid = (purpose: string, key: string, value: string | null) => {
    const [expires, _mac] = (value ?? '').split('.');
    return Boolean(value && expires && token(purpose, key, Number(expires)) === value && Number(expires) * 1000 > Date.now());
  };

  const body = async (req: IncomingMessage) => Buffer.concat(await req.toArray());
  const json = (res: ServerResponse, status: number, value: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };
  // Storage answers most failures with HTTP 400 and the real status in the body.
  const fail = (res: ServerResponse, statusCode: string, error: string, message: string) => json(res, 400, { statusCode, error, message });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://stub');
    const route = decodeURIComponent(url.pathname.replace(/^\/storage\/v1/, ''));
    const authorised = req.headers.authorization === `Bearer ${serviceRoleKey}` && req.headers.apikey === serviceRoleKey;
    requests.push({ method: req.method ?? '', path: route, authorised });
    let match: RegExpExecArray | null;

    // Signed URLs carry their own token; everything else needs the service-role key.
    if ((match = /^\/object\/sign\/(.+)$/.exec(route)) && req.method === 'GET') {
      const key = match[1]!;
      const object = objects.get(key);
      if (!tokenValid('download', key, url.searchParams.get('token'))) return fail(res, '400', 'InvalidJWT', 'invalid signature');
      if (!object) return fail(res, '404', 'not_found', 'Object not found');
      const download = url.searchParams.get('download');
      res.writeHead(200, {
        'content-type': object.contentType,
        'content-length': object.bytes.length,
        ...(download !== null ? { 'content-disposition': `attachment; filename="${download || key.split('/').pop()}"` } : {}),
      });
      return res.end(object.bytes);
    }
    if ((match = /^\/object\/upload\/sign\/(.+)$/.exec(route)) && req.method === 'PUT') {
      const key = match[1]!;
      if (!tokenValid('upload', key, url.searchParams.get('token'))) return fail(res, '400', 'InvalidJWT', 'invalid signature');
      if (objects.has(key)) return fail(res, '409', 'Duplicate', 'The resource already exists');
      objects.set(key, { bytes: await body(req), contentType: req.headers['content-type'] ?? 'application/octet-stream' });
      return json(res, 200, { Key: key });
    }
    if (!authorised) return fail(res, '403', 'Unauthorized', 'Invalid Compact JWS');

    if ((match = /^\/object\/sign\/(.+)$/.exec(route)) && req.method === 'POST') {
      const key = match[1]!;
      if (!objects.has(key)) return fail(res, '404', 'not_found', 'Object not found');
      const { expiresIn } = JSON.parse((await body(req)).toString()) as { expiresIn: number };
      const expires = Math.floor(Date.now() / 1000) + expiresIn;
      return json(res, 200, { signedURL: `/object/sign/${key}?token=${token('download', key, expires)}` });
    }
    if ((match = /^\/object\/upload\/sign\/(.+)$/.exec(route)) && req.method === 'POST') {
      const key = match[1]!;
      const expires = Math.floor(Date.now() / 1000) + 2 * 3600;
      return json(res, 200, { url: `/object/upload/sign/${key}?token=${token('upload', key, expires)}` });
    }
    if ((match = /^\/object\/info\/(.+)$/.exec(route)) && req.method === 'GET') {
      const object = objects.get(match[1]!);
      if (!object) return fail(res, '404', 'not_found', 'Object not found');
      return json(res, 200, { id: randomUUID(), name: match[1], size: object.bytes.length, content_type: object.contentType });
    }
    if ((match = /^\/object\/([^/]+)$/.exec(route)) && req.method === 'DELETE') {
      const bucket = match[1]!;
      const { prefixes } = JSON.parse((await body(req)).toString()) as { prefixes: string[] };
      const removed = prefixes.filter((p) => objects.delete(`${bucket}/${p}`));
      return json(res, 200, removed.map((name) => ({ name, bucket_id: bucket })));
    }
    if ((match = /^\/object\/(.+)$/.exec(route)) && req.method === 'POST') {
      const key = match[1]!;
      if (objects.has(key) && req.headers['x-upsert'] !== 'true') return fail(res, '409', 'Duplicate', 'The resource already exists');
      objects.set(key, { bytes: await body(req), contentType: req.headers['content-type'] ?? 'application/octet-stream' });
      return json(res, 200, { Key: key, Id: randomUUID() });
    }
    if ((match = /^\/object\/(.+)$/.exec(route)) && req.method === 'GET') {
      const object = objects.get(match[1]!);
      if (!object) return fail(res, '404', 'not_found', 'Object not found');
      res.writeHead(200, { 'content-type': object.contentType, 'content-length': object.bytes.length });
      return res.end(object.bytes);
    }
    return fail(res, '404', 'not_found', `no route ${req.method} ${route}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => fail(res, '500', 'internal', error.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serviceRoleKey,
    objects,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
