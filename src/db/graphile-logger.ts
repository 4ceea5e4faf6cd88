import { Logger as GraphileLogger } from 'graphile-worker';
import type { Logger } from '../logger.ts';

/** graphile-worker's logger interface, writing into our structured log. */
export function graphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { ...scope, ...meta };
    const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : level === 'debug' ? 'debug' : 'info';
    logger[method](fields, message);
  });
}
