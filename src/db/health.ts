import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Logger } from '../logger.ts';

/**
 * Error codes that mean the database itself is gone: refused or unroutable connections, and the
 * server shutting down (57P01-03). Timeouts are not among them: a busy pool (a reconnect storm)
 * is slow, not down, and ending every stream then would only make the storm worse.
 */
const CONNECTION_LOST = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03']);

export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (e.code !== undefined && CONNECTION_LOST.has(e.code)) || /^Connection terminated unexpectedly$/.test(e.message ?? '');
}

/**
 * Watches whether the database answers: `select 1` through the pool every `intervalMs`. Emits
 * `down` once when a connection error shows the database is gone, and `up` once it answers again.
 * A slow answer (a busy pool) is not "down". Works with any database (embedded or DATABASE_URL).
 */
export class DatabaseHealth extends EventEmitter<{ down: [Error]; up: [] }> {
  up = true;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    private readonly intervalMs = 1_000,
  ) {
    super();
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Checks now (also called when a caller saw a connection error). */
  async check(): Promise<boolean> {
    if (this.checking) return this.up;
    this.checking = true;
    try {
      await this.pool.query('select 1');
      if (!this.up) {
        this.up = true;
        this.logger.info('database reachable again');
        this.emit('up');
      }
    } catch (error) {
      if (this.up && isConnectionLost(error)) {
        this.up = false;
        this.logger.error({ err: error }, 'database unreachable; open subscriptions end with a retryable error');
        this.emit('down', error as Error);
      }
    } finally {
      this.checking = false;
    }
    return this.up;
  }
}
