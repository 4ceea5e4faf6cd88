import pg from 'pg';
import { NOTIFY_AT_COMMIT, type Executor } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { CompiledQuery } from 'kysely';

/**
 * Moves serialised events between processes. Every process listens; every published event reaches
 * every process (including the publisher), which then fans it out to its local subscribers.
 */
export interface Transport {
  readonly name: string;
  start(handlers: { onMessage(payload: string): void; onReconnect(): void }): Promise<void>;
  publish(payloads: string[]): Promise<void>;
  /**
   * Publishes as part of a database transaction, so the event exists if and only if the write
   * commits; false when the transport cannot (the caller then publishes after commit).
   */
  publishInTransaction(trx: Executor, payloads: string[]): Promise<boolean>;
  stop(): Promise<void>;
}

export const CHANNEL = 'tmates_events';

/**
 * PostgreSQL LISTEN/NOTIFY: one dedicated listening connection per process (LISTEN needs a session,
 * so not through pgbouncer's transaction mode); NOTIFY goes through the pool, or inside the writing
 * transaction. The listener reconnects with backoff after the database restarts and reports it, so
 * subscriptions replay whatever they missed.
 */
export class PostgresTransport implements Transport {
  readonly name = 'postgres';
  private client: pg.Client | undefined;
  private stopped = false;
  private handlers: { onMessage(payload: string): void; onReconnect(): void } | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: { connectionString: string; pool: pg.Pool; logger: Logger },
  ) {}

  async start(handlers: { onMessage(payload: string): void; onReconnect(): void }): Promise<void> {
    this.handlers = handlers;
    await this.connect(false);
  }

  private async connect(reconnecting: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.connectionString, application_name: 'tmates-listener' });
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.handlers?.onMessage(msg.payload);
    });
    const lost = (error?: Error) => {
      if (this.client !== client || this.stopped) return;
      this.client = undefined;
      this.options.logger.warn({ err: error }, 'event listener lost its database connection; reconnecting');
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
      this.scheduleReconnect(250);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    this.client = client;
    if (reconnecting) {
      this.options.logger.info('event listener reconnected');
      this.handlers?.onReconnect();
    }
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.connect(true).catch((error: Error) => {
        this.options.logger.warn({ err: error, retryInMs: Math.min(delayMs * 2, 5_000) }, 'event listener reconnect failed');
        this.scheduleReconnect(Math.min(delayMs * 2, 5_000));
      });
    }, delayMs);
  }

  async publish(payloads: string[]): Promise<void> {
    for (const payload of payloads) await this.options.pool.query('select pg_notify($1, $2)', [CHANNEL, payload]);
  }

  async publishInTransaction(trx: Executor, payloads: string[]): Promise<boolean> {
    // Held back by the connection and sent with the COMMIT, in order (see NOTIFY_AT_COMMIT).
    for (const payload of payloads) await trx.executeQuery(CompiledQuery.raw(NOTIFY_AT_COMMIT, [CHANNEL, payload]));
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
