/**
 * Fields added to every log line (pino `mixin`): the active trace and span ids once tracing has
 * started (see `tracing.ts`), nothing before. Kept free of imports so that the logger, loaded by
 * every CLI command, does not load OpenTelemetry.
 */
let fields: () => Record<string, string | undefined> = () => ({});

export function logContext(): Record<string, string | undefined> {
  return fields();
}

/** Sets where log lines take their context fields from. */
export function setLogContext(source: () => Record<string, string | undefined>): void {
  fields = source;
}
