import { pino, type Logger } from 'pino';
import { logContext } from './observability/log-context.ts';

export type { Logger };

/**
 * Structured JSON logs on stdout (one object per line). Pipe through `pino-pretty` for humans.
 * Credentials never reach the log: authorization headers and connection strings are redacted.
 */
export function createLogger(
  level: string,
  bindings: Record<string, unknown> = {},
  /** 1 = stdout (default), 2 = stderr (for commands whose stdout is their output). */
  fd: 1 | 2 = 1,
  /** Write here instead of `fd` (tests read the lines back). */
  destination?: { write(line: string): void },
): Logger {
  return pino(
    {
      level,
      base: { service: 'tmates', ...bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      // With tracing on, lines written inside a span carry its trace_id and span_id.
      mixin: logContext,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', 'connectionString', 'password', 'token'],
        censor: '[redacted]',
      },
    },
    // Synchronous writes: nothing is lost when the process exits right after logging.
    destination ?? pino.destination({ fd, sync: true }),
  );
}
