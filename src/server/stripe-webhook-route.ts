import type { Plugin } from 'graphql-yoga';
import { MAX_WEBHOOK_BYTES, receiveStripeWebhook } from '../services/stripe-webhooks.ts';
import type { AppServices } from '../core/context.ts';

export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';

/** Reads the body as bytes, exactly as sent (the signature covers them), up to `limit`; null beyond. */
async function readRaw(request: Request, limit: number): Promise<Buffer | null> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!request.body) return Buffer.alloc(0);
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * `POST /webhooks/stripe`: Stripe's webhook endpoint (no bearer token — the `Stripe-Signature`
 * header is the credential). 404 while billing is off. See `receiveStripeWebhook`.
 */
export function useStripeWebhookRoute(services: AppServices): Plugin {
  const log = services.logger.child({ component: 'stripe-webhook-route' });
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== STRIPE_WEBHOOK_PATH) return;
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        endResponse(new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } }));
      if (request.method !== 'POST') return json(405, { error: 'Use POST' }, { allow: 'POST' });
      try {
        const raw = await readRaw(request, MAX_WEBHOOK_BYTES);
        if (!raw) return json(413, { error: 'Payload too large' });
        const result = await receiveStripeWebhook(services, raw, request.headers.get('stripe-signature'));
        return json(result.status, result.body);
      } catch (error) {
        log.error({ err: error }, 'stripe webhook failed');
        return json(500, { error: 'Unexpected error.' });
      }
    },
  };
}
