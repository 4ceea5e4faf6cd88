import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { CHANNEL, type Transport } from './transport.ts';

/**
 * Redis pub/sub (REDIS_URL): one subscriber and one publisher connection per process. Redis cannot
 * join a database transaction, so events are published right after commit; subscribers recover
 * anything lost in between through replay. ioredis reconnects and re-subscribes on its own; each
 * recovery after a loss is reported so subscriptions replay what they missed.
 */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  private readonly subscriber: Redis;
  private readonly publisher: Redis;
  private readonly channel: string;
  private stopped = false;
  private lost = false;

  constructor(options: { url: string; logger: Logger; channel?: string }) {
    this.channel = options.channel ?? CHANNEL;
    const common = { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 3 };
    this.subscriber = new Redis(options.url, { ...common, connectionName: 'tmates-subscriber' });
    this.publisher = new Redis(options.url, { ...common, connectionName: 'tmates-publisher' });
    const { logger } = options;
    this.subscriber.on('error', (error) => logger.warn({ err: error }, 'redis subscriber error'));
    this.publisher.on('error', (error) => logger.warn({ err: error }, 'redis publisher error'));
    this.subscriber.on('close', () => {
      if (this.stopped || this.lost) return;
      this.lost = true;
      logger.warn('redis subscriber lost its connection; reconnecting');
    });
    this.subscriber.on('ready', () => {
      if (!this.lost || this.stopped) return;
      this.lost = false;
      logger.info('redis subscriber reconnected');
      // ioredis re-subscribes before 'ready' (autoResubscribe), so events flow again from here.
      this.onReconnect();
    });
  }

  private onMessage: (payload: string) => void = () => {};
  private onReconnect: () => void = () => {};

  async start(handlers: { onMessage(payload: string): void; onReconnect(): void }): Promise<void> {
    this.onMessage = handlers.onMessage;
    this.onReconnect = handlers.onReconnect;
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.onMessage(payload);
    });
    try {
      await Promise.all([this.subscriber.connect(), this.publisher.connect()]);
      await this.subscriber.subscribe(this.channel);
    } catch (error) {
      await this.stop();
      throw new Error(`cannot connect to Redis: ${(error as Error).message}`);
    }
  }

  async publish(payloads: string[]): Promise<void> {
    for (const payload of payloads) await this.publisher.publish(this.channel, payload);
  }

  async publishInTransaction(): Promise<boolean> {
    return false;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.subscriber.disconnect();
    this.publisher.disconnect();
  }
}
