import { Readable } from 'node:stream';
import type { Plugin } from 'graphql-yoga';
import { receiveSignedUpload, serveSignedDownload, type TransferResponse } from '../services/file-transfers.ts';
import type { AppServices } from '../core/context.ts';

const ROUTE = /^\/files\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/content)?$/;

/**
 * The API's own file URLs, used by the local storage backend: `GET /files/<id>` downloads and
 * `PUT /files/<id>/content` receives a direct upload. Neither takes a bearer token — the HMAC
 * signature and expiry in the query are the credential — and both answer 404 with other backends.
 */
export function useFileRoutes(services: AppServices): Plugin {
  const log = services.logger.child({ component: 'file-routes' });
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const match = ROUTE.exec(url.pathname);
      if (!match) return;
      const [, fileId, content] = match as unknown as [string, string, string | undefined];
      let result: TransferResponse;
      try {
        if (!content && request.method === 'GET') {
          result = await serveSignedDownload(services, fileId, url.searchParams);
        } else if (content && request.method === 'PUT') {
          result = await receiveSignedUpload(services, fileId, url.searchParams, {
            body: request.body as AsyncIterable<Uint8Array> | null,
            contentLength: request.headers.get('content-length'),
          });
        } else {
          result = { status: 405, headers: { allow: content ? 'PUT' : 'GET' } };
        }
      } catch (error) {
        log.error({ err: error, fileId }, 'file transfer failed');
        result = { status: 500, body: 'Unexpected error.' };
      }
      const body = result.body instanceof Readable ? result.body : (result.body ?? null);
      endResponse(new fetchAPI.Response(body as never, { status: result.status, headers: result.headers }));
    },
  };
}
