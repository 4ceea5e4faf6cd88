import { getOperationAST, Kind, type DocumentNode } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import { eventsDelivered, openSubscriptions, registry } from './metrics.ts';
import { metricsResponse } from './metrics-endpoint.ts';

/**
 * GraphQL operation metrics from the Yoga Prometheus plugin, in Tmates' registry: by operation
 * name and type, `graphql_envelop_request` (count), `graphql_envelop_request_duration`
 * (seconds, histogram), `graphql_envelop_error_result` (errors in results, by phase) and
 * `graphql_yoga_http_duration` (HTTP requests). The plugin's own endpoint is off: `/metrics` is
 * served by `useMetricsEndpoint` (which checks METRICS_TOKEN).
 */
export function useGraphQLMetrics(): Plugin {
  return usePrometheus({
    registry,
    endpoint: false,
    skipIntrospection: true,
    metrics: {
      graphql_envelop_request: true,
      graphql_envelop_request_duration: true,
      graphql_envelop_error_result: true,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_request_time_summary: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_yoga_http_duration: true,
    },
    labels: { url: false },
  }) as Plugin;
}

/** The root field a subscription operation selects (`threadEvents`, `viewerEvents`, …). */
function rootField(document: DocumentNode, operationName: string | null | undefined): string {
  const selection = getOperationAST(document, operationName)?.selectionSet.selections[0];
  return selection?.kind === Kind.FIELD ? selection.name.value : 'unknown';
}

/**
 * Open subscriptions (`tmates_subscriptions_open`) and results delivered to subscribers
 * (`tmates_subscription_events_delivered_total`), by subscription field, over WebSocket and SSE alike.
 */
export function useSubscriptionMetrics(): Plugin {
  return {
    onSubscribe({ args }) {
      const subscription = rootField(args.document, args.operationName);
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) return;
          openSubscriptions.inc({ subscription });
          return {
            onNext() {
              eventsDelivered.inc({ subscription });
            },
            onEnd() {
              openSubscriptions.dec({ subscription });
            },
          };
        },
      };
    },
  };
}

/** `GET /metrics` on the API's own port (see `metricsResponse` for the answers). */
export function useMetricsEndpoint(token: string | undefined): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== '/metrics') return;
      const answer = await metricsResponse({ method: request.method, authorization: request.headers.get('authorization') }, token);
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : answer.body, { status: answer.status, headers: answer.headers }));
    },
  };
}
