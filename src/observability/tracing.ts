import { context, propagation, ROOT_CONTEXT, trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { setLogContext } from './log-context.ts';

/**
 * OpenTelemetry tracing, off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Off, nothing but the
 * OpenTelemetry API (a few kB of no-op functions) is loaded: no SDK, no exporter, no context
 * manager, and every span below is a no-op. On, this process registers a NodeTracerProvider
 * (AsyncLocalStorage context, W3C trace-context propagation) exporting in batches over OTLP/HTTP.
 *
 * One trace follows a message: the `sendMessage` GraphQL span (from the envelop OpenTelemetry
 * plugin) → `traceparent` in the job payload → the job span on a worker → `chat <model>` spans
 * (GenAI semantic conventions) → span events for each bus event the turn publishes.
 */
export interface Tracing {
  provider: TracerProvider;
  /** Flushes spans still buffered and stops exporting. */
  shutdown(): Promise<void>;
}

let active: { tracing: Tracing; users: number } | undefined;

/** The tracer Tmates' own spans come from (a no-op tracer while tracing is off). */
export function tracer(): Tracer {
  return trace.getTracer('tmates');
}

/** Whether this process records spans. */
export function tracingEnabled(): boolean {
  return active !== undefined;
}

/**
 * Starts tracing for this process when `endpoint` (the OTLP/HTTP base URL) or `exporter` (tests:
 * an in-memory exporter, spans exported one by one) is given; undefined otherwise. The provider is
 * global to the process, so apps started in one process share it; each caller shuts its use down.
 */
export async function startTracing(options: { endpoint?: string; serviceName: string; version: string; exporter?: SpanExporter }): Promise<Tracing | undefined> {
  if (!options.endpoint && !options.exporter) return undefined;
  if (active) {
    active.users += 1;
    return release(active.tracing);
  }
  const [{ NodeTracerProvider }, { BatchSpanProcessor, SimpleSpanProcessor }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
  ]);
  let processor;
  if (options.exporter) {
    processor = new SimpleSpanProcessor(options.exporter);
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint!.replace(/\/$/, '')}/v1/traces` }));
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.version }),
    spanProcessors: [processor],
  });
  provider.register();
  setLogContext(traceFields);
  const tracing: Tracing = {
    provider,
    async shutdown() {
      await provider.shutdown();
      setLogContext(() => ({}));
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  active = { tracing, users: 1 };
  return release(tracing);
}

function release(tracing: Tracing): Tracing {
  let released = false;
  return {
    provider: tracing.provider,
    async shutdown() {
      if (released || !active) return;
      released = true;
      active.users -= 1;
      if (active.users > 0) {
        await (tracing.provider as { forceFlush?: () => Promise<void> }).forceFlush?.();
        return;
      }
      active = undefined;
      await tracing.shutdown();
    },
  };
}

/**
 * The current trace context as a W3C `traceparent`, to carry in a job payload; `{}` when tracing
 * is off or nothing is being traced.
 */
export function traceContext(): { traceparent?: string } {
  if (!active) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? { traceparent: carrier.traceparent } : {};
}

/** The context a job continues: the one its payload's `traceparent` names, else a new trace. */
export function contextOfPayload(payload: unknown) {
  const traceparent = (payload as { traceparent?: unknown } | null)?.traceparent;
  return typeof traceparent === 'string' ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** Trace and span ids of the active span, for log lines (pino mixin); `{}` while nothing is traced. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  if (!active) return {};
  const span = trace.getActiveSpan();
  const ids = span?.spanContext();
  return ids && trace.isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

/** Adds a span event to the active span (no-op when nothing is traced). */
export function addSpanEvent(name: string, attributes: Record<string, string | number | boolean | undefined>): void {
  if (!active) return;
  trace.getActiveSpan()?.addEvent(name, attributes);
}

/** Ends `span` with the error recorded on it. */
export function endWithError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: 2 /* SpanStatusCode.ERROR */, message: err.message });
  span.setAttribute('error.type', err.name || 'Error');
  span.end();
}
