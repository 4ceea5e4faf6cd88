import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createFetch } from '@whatwg-node/fetch';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, useReadinessCheck, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Logger } from '../logger.ts';
import { schema } from './schema.ts';
import type { AppServices, Context } from '../core/context.ts';
import { createContext } from './create-context.ts';
import { useFileRoutes } from './file-routes.ts';
import { useStripeWebhookRoute } from './stripe-webhook-route.ts';
import { useGraphiQLPage } from './graphiql.ts';
import { multipartLimits } from './limits.ts';
import { useWebApp } from './web-app.ts';
import type { Viewer } from '../core/viewer.ts';
import { armorPlugins, useRequestSizeLimits } from './armor.ts';
import { limitMutations } from './rate-limits.ts';
import { useStreamGuard } from './stream-guard.ts';
import { useSharedExecution } from './shared-execution.ts';

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface YogaOptions {
  services: AppServices;
  readiness: () => Promise<Readiness>;
  /** More plugins, run first (metrics and tracing, see src/observability). */
  plugins?: Plugin[];
}

/** What Yoga hands the context factory: the fetch Request for HTTP/SSE, our own fields for WebSocket. */
export interface ServerContext {
  request?: Request;
  requestId?: string;
  connectionParams?: Record<string, unknown>;
  upgradeHeaders?: Headers;
  /** The Node request (HTTP: from Yoga's Node adapter; WebSocket: the upgrade request). */
  req?: IncomingMessage;
  /** WebSocket: the viewer already authenticated for this operation (socket-guard's cache). */
  viewer?: Viewer | null;
}

export type TmatesYoga = YogaServerInstance<ServerContext, Context>;

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Honours a sane incoming `x-request-id` (from a proxy), else makes one. */
export function requestIdFrom(headers: Headers | undefined): string {
  const incoming = headers?.get('x-request-id');
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Echoes the request id on every HTTP response so a client can quote it in a bug report. */
function useRequestIdHeader(): Plugin<ServerContext> {
  const ids = new WeakMap<Request, string>();
  return {
    onRequest({ request }) {
      ids.set(request, requestIdFrom(request.headers));
    },
    onResponse({ request, response }) {
      const id = ids.get(request);
      if (id) response.headers.set('x-request-id', id);
    },
    onContextBuilding({ context, extendContext }) {
      if (context.request && !context.requestId) extendContext({ requestId: ids.get(context.request) });
    },
  };
}

/**
 * `plugin` with its `onRequest` skipped for GraphQL requests (`endpoint`): a route of its own
 * (files, webhooks, the web app) has nothing to do there, and an async hook would still cost a
 * promise and a turn of the event loop on every operation.
 */
function besideGraphQL(endpoint: string, plugin: Plugin<ServerContext>): Plugin<ServerContext> {
  const { onRequest } = plugin;
  if (!onRequest) return plugin;
  return { ...plugin, onRequest: (payload) => (payload.url.pathname === endpoint ? undefined : onRequest(payload)) };
}

function useDisableIntrospection(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/**
 * Yoga's log lines through pino. Yoga writes a few debug lines per request: below the logger's
 * level they cost one level check, not an object and a string each.
 */
function yogaLogger(logger: Logger) {
  const log = logger.child({ component: 'graphql' });
  return {
    debug: (...args: unknown[]) => {
      if (log.isLevelEnabled('debug')) log.debug({ args: args.slice(1) }, String(args[0]));
    },
    info: (...args: unknown[]) => {
      if (log.isLevelEnabled('info')) log.info({ args: args.slice(1) }, String(args[0]));
    },
    warn: (...args: unknown[]) => log.warn({ args: args.slice(1) }, String(args[0])),
    error: (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (first instanceof Error) log.error({ err: first, args: rest }, first.message);
      else log.error({ args: rest }, String(first));
    },
  };
}

export function createTmatesYoga({ services, readiness, plugins = [] }: YogaOptions): TmatesYoga {
  const { config, logger } = services;
  return createYoga<ServerContext, Context>({
    schema: limitMutations(schema),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    // Body limits are checked by useRequestSizeLimits, which streams only bodies of undeclared length.
    maxRequestBodySize: false,
    logging: yogaLogger(logger),
    // Unexpected errors reach clients as "Unexpected error." — the details go to the log.
    maskedErrors: { isDev: false },
    // The playground is served, compressed and with a sign-in hint, by useGraphiQLPage below.
    graphiql: false,
    cors: config.corsOrigins.length > 0 ? { origin: config.corsOrigins, credentials: true } : undefined,
    fetchAPI: createFetch({ formDataLimits: multipartLimits(config.storage.maxBytes) }),
    context: ({ request, requestId, connectionParams, upgradeHeaders, req, viewer }) =>
      createContext(services, {
        requestId: requestId ?? requestIdFrom(request?.headers ?? upgradeHeaders),
        headers: request?.headers ?? upgradeHeaders ?? new Headers(),
        connectionParams,
        clientIp: req?.socket.remoteAddress,
        viewer,
      }),
    plugins: [
      ...plugins,
      useRequestIdHeader(),
      ...(config.graphiql ? [useGraphiQLPage({ endpoint: '/graphql' })] : []),
      // Requests a browser sends without a CORS preflight (multipart uploads, GET) must carry this header.
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'apollo-require-preflight'] }),
      useRequestSizeLimits(config.limits.graphql),
      ...armorPlugins(config.limits.graphql, { introspection: config.introspection }),
      besideGraphQL('/graphql', useFileRoutes(services)),
      besideGraphQL('/graphql', useStripeWebhookRoute(services)),
      ...(config.serveWeb ? [besideGraphQL('/graphql', useWebApp({ logger }))] : []),
      useStreamGuard(services),
      // One execution per event for subscribers whose results cannot differ.
      useSharedExecution(),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      useReadinessCheck({
        endpoint: '/readyz',
        check: async () => {
          const result = await readiness();
          return new Response(JSON.stringify(result), {
            status: result.ready ? 200 : 503,
            headers: { 'content-type': 'application/json' },
          });
        },
      }),
    ],
  });
}
