import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

type Obj = Record<string, any>;

export interface FakePrice {
  id: string;
  lookup_key?: string | null;
  unit_amount: number;
  currency?: string;
  interval?: 'month' | 'year';
  active?: boolean;
}

export interface FakeStripe {
  /** `http://127.0.0.1:<port>`: pass as STRIPE_API_BASE. */
  apiBase: string;
  secretKey: string;
  webhookSecret: string;
  customers: Map<string, Obj>;
  sessions: Map<string, Obj>;
  portalSessions: Obj[];
  subscriptions: Map<string, Obj>;
  /** Every request: method, path, idempotency key. */
  requests: Array<{ method: string; path: string; idempotencyKey?: string }>;
  /** Completes a checkout session as Stripe would: a subscription for its price; returns the completed session. */
  completeCheckout(sessionId: string, options?: { status?: string; periodStart?: Date }): { session: Obj; subscription: Obj };
  /** Changes a subscription the way the portal or dunning would (status, price, cancel flags…). */
  updateSubscription(id: string, changes: { status?: string; priceId?: string; cancel_at_period_end?: boolean; periodStart?: Date }): Obj;
  /** A signed webhook delivery: the body and its `Stripe-Signature` header (made by the stripe library). */
  signedEvent(event: Obj, options?: { secret?: string; timestamp?: number }): { body: string; signature: string };
  event(type: string, object: Obj, options?: { created?: Date; id?: string }): Obj;
  close(): Promise<void>;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** Parses Stripe's form encoding (`a[b][0][c]=v`) into nested objects and arrays. */
function parseForm(body: string): Obj {
  const out: Obj = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: any = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = node[part] ??= /^\d+$/.test(path[i + 1]!) ? [] : {};
    });
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function addMonth(d: Date): Date {
  const next = new Date(d);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return next;
}

/**
 * A real HTTP server speaking the parts of Stripe's REST API Tmates uses — customers (with
 * idempotency keys), checkout sessions, billing portal sessions, subscription retrieval and the
 * price list — in Stripe's wire format (form-encoded requests, JSON objects, error bodies). Events
 * are signed with the stripe library's own `webhooks.generateTestHeaderString`.
 */
export async function startFakeStripe(prices: FakePrice[]): Promise<FakeStripe> {
  const secretKey = 'sk_test_fake_0123456789';
  const webhookSecret = `whsec_${randomBytes(16).toString('hex')}`;
  const stripe = new Stripe(secretKey);
  const priceObjects = prices.map((p) => ({
    id: p.id,
    object: 'price',
    active: p.active ?? true,
    currency: p.currency ?? 'usd',
    lookup_key: p.lookup_key ?? null,
    unit_amount: p.unit_amount,
    recurring: { interval: p.interval ?? 'month', interval_count: 1, usage_type: 'licensed' },
    type: 'recurring',
    product: `prod_${p.id}`,
    metadata: {},
  }));
  const state = {
    customers: new Map<string, Obj>(),
    sessions: new Map<string, Obj>(),
    portalSessions: [] as Obj[],
    subscriptions: new Map<string, Obj>(),
    requests: [] as FakeStripe['requests'],
    idempotent: new Map<string, Obj>(),
  };
  const send = (res: ServerResponse, status: number, body: Obj) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': newId('req') }).end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, what: string, id: string) =>
    send(res, 404, { error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such ${what}: '${id}'`, param: 'id' } });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    state.requests.push({ method: req.method!, path: url.pathname, idempotencyKey });
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      return send(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } });
    }
    const params = req.method === 'POST' ? parseForm(await readBody(req)) : Object.fromEntries(url.searchParams);
    if (req.method === 'POST' && idempotencyKey && state.idempotent.has(`${url.pathname} ${idempotencyKey}`)) {
      return send(res, 200, state.idempotent.get(`${url.pathname} ${idempotencyKey}`)!);
    }
    const created = (body: Obj) => {
      if (idempotencyKey) state.idempotent.set(`${url.pathname} ${idempotencyKey}`, body);
      send(res, 200, body);
    };
    const now = Math.floor(Date.now() / 1000);
    let match: RegExpExecArray | null;
    if (req.method === 'POST' && url.pathname === '/v1/customers') {
      const customer = { id: newId('cus'), object: 'customer', created: now, name: params.name ?? null, email: params.email ?? null, metadata: params.metadata ?? {} };
      state.customers.set(customer.id, customer);
      return created(customer);
    }
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      if (params.customer && !state.customers.has(params.customer)) return notFound(res, 'customer', params.customer);
      const id = newId('cs_test');
      const session = {
        id,
        object: 'checkout.session',
        created: now,
        mode: params.mode,
        status: 'open',
        customer: params.customer ?? null,
        client_reference_id: params.client_reference_id ?? null,
        metadata: params.metadata ?? {},
        success_url: params.success_url,
        cancel_url: params.cancel_url,
        subscription: null,
        url: `https://checkout.stripe.test/c/pay/${id}`,
        line_items_params: params.line_items,
        subscription_data_params: params.subscription_data ?? {},
      };
      state.sessions.set(id, session);
      return created(session);
    }
    if (req.method === 'POST' && url.pathname === '/v1/billing_portal/sessions') {
      if (!state.customers.has(params.customer)) return notFound(res, 'customer', params.customer);
      const session = { id: newId('bps'), object: 'billing_portal.session', created: now, customer: params.customer, return_url: params.return_url, url: `https://billing.stripe.test/p/session/${newId('test')}` };
      state.portalSessions.push(session);
      return created(session);
    }
    if (req.method === 'GET' && (match = /^\/v1\/subscriptions\/([\w-]+)$/.exec(url.pathname))) {
      const subscription = state.subscriptions.get(match[1]!);
      return subscription ? send(res, 200, subscription) : notFound(res, 'subscription', match[1]!);
    }
    if (req.method === 'GET' && url.pathname === '/v1/prices') {
      const data = priceObjects.filter((p) => params.active === undefined || String(p.active) === params.active);
      return send(res, 200, { object: 'list', url: '/v1/prices', has_more: false, data });
    }
    send(res, 404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${req.method}: ${url.pathname})` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const priceById = (id: string) => {
    const price = priceObjects.find((p) => p.id === id);
    if (!price) throw new Error(`fake stripe: no price ${id}`);
    return price;
  };
  const setItem = (subscription: Obj, priceId: string, periodStart: Date) => {
    subscription.items = {
      object: 'list',
      has_more: false,
      data: [
        {
          id: newId('si'),
          object: 'subscription_item',
          price: priceById(priceId),
          quantity: 1,
          current_period_start: seconds(periodStart),
          current_period_end: seconds(addMonth(periodStart)),
        },
      ],
    };
  };

  return {
    apiBase: `http://127.0.0.1:${port}`,
    secretKey,
    webhookSecret,
    ...state,
    completeCheckout(sessionId, options = {}) {
      const session = state.sessions.get(sessionId);
      if (!session) throw new Error(`fake stripe: no session ${sessionId}`);
      const subscription: Obj = {
        id: newId('sub'),
        object: 'subscription',
        created: seconds(new Date()),
        customer: session.customer,
        status: options.status ?? 'active',
        cancel_at_period_end: false,
        cancel_at: null,
        trial_end: null,
        metadata: session.subscription_data_params.metadata ?? {},
      };
      setItem(subscription, session.line_items_params[0].price, options.periodStart ?? new Date());
      state.subscriptions.set(subscription.id, subscription);
      Object.assign(session, { status: 'complete', subscription: subscription.id });
      return { session: { ...session }, subscription };
    },
    updateSubscription(id, changes) {
      const subscription = state.subscriptions.get(id);
      if (!subscription) throw new Error(`fake stripe: no subscription ${id}`);
      if (changes.status) subscription.status = changes.status;
      if (changes.cancel_at_period_end !== undefined) subscription.cancel_at_period_end = changes.cancel_at_period_end;
      if (changes.priceId || changes.periodStart) {
        const item = subscription.items.data[0];
        setItem(subscription, changes.priceId ?? item.price.id, changes.periodStart ?? new Date(item.current_period_start * 1000));
      }
      return structuredClone(subscription);
    },
    event(type, object, options = {}) {
      return {
        id: options.id ?? newId('evt'),
        object: 'event',
        api_version: '2026-10-28.endive',
        created: seconds(options.created ?? new Date()),
        type,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object: structuredClone(object) },
      };
    },
    signedEvent(event, options = {}) {
      const body = JSON.stringify(event);
      const signature = stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? webhookSecret, timestamp: options.timestamp });
      return { body, signature };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
