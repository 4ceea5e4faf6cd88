/** Metrics and tracing settings, read from the environment by `config/config.ts` (`METRICS*`, `OTEL_*`). */
export interface ObservabilityConfig {
  /** Serve Prometheus metrics at `/metrics` (METRICS=true, or implied by METRICS_PORT). */
  metrics: boolean;
  /** Serve `/metrics` on this port instead of the API's (unset: the API's port). */
  metricsPort: number | undefined;
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** OTLP/HTTP collector base URL; set: traces are exported to `<url>/v1/traces`. Unset: tracing off. */
  otlpEndpoint: string | undefined;
  /** `service.name` of the exported spans. */
  serviceName: string;
}
