import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { CHANNEL, type Transport } from './transport.ts';

type Handlers = { onMessage(payload: string): void; onReconnect(): void };

/** How long start() may take before the process gives up on Redis instead of hanging at boot. */
const START_TIMEOUT_MS = 5_000;

/**
 * Redis pub/sub (REDIS_URL): one subscriber and one publisher connection per process, because a
 * subscribed Redis connection cannot run PUBLISH. Redis cannot join a database transaction, so
 * events are published right after commit. ioredis reconnects on its own; each recovery after a
 * loss is reported so subscriptions replay whatever was published while nobody was listening.
 */
export class RedisTransport implements Transport {
  readonly name = 'redis';
  /** The subscriber's CLIENT SETNAME, unique per process, so operators (and tests) can tell them apart. */
  readonly subscriberName: string;
  private readonly subscriber: Redis;
  private readonly publisher: Redis;
  private readonly channel: string;
  private readonly logger: Logger;
  private handlers: Handlers | undefined;
  /** Only set once the first SUBSCRIBE succeeded: a failed start is not a lost connection. */
  private subscribed = false;
  private lost = false;
  private lastError: Error | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: { url: string; logger: Logger; channel?: string }) {
    this.channel = options.channel ?? CHANNEL;
    this.logger = options.logger;
    const suffix = `${process.pid}-${randomBytes(3).toString('hex')}`;
    this.subscriberName = `tmates-subscriber-${suffix}`;
    const common = {
      lazyConnect: true,
      connectTimeout: START_TIMEOUT_MS,
      // Fail publishes during an outage instead of queueing them indefinitely; the caller sees the error.
      maxRetriesPerRequest: 2,
    };
    // ioredis would re-subscribe by itself, but 'ready' fires before Redis acknowledges that, so
    // events published in between would be missed after onReconnect(); we re-subscribe and wait.
    this.subscriber = new Redis(options.url, { ...common, connectionName: this.subscriberName, autoResubscribe: false });
    this.publisher = new Redis(options.url, { ...common, connectionName: `tmates-publisher-${suffix}` });

    for (const [role, client] of [['subscriber', this.subscriber], ['publisher', this.publisher]] as const) {
      client.on('error', (error: Error) => {
        this.lastError = error;
        // Before start() succeeds the error is reported by its rejection; while reconnecting, ioredis
        // retries every ~2 s and each failure is worth a line, like the PostgreSQL listener's.
        if (this.subscribed && !this.stopping) this.logger.warn({ err: error, role }, 'redis connection error');
      });
    }
    this.subscriber.on('message', (channel: string, payload: string) => {
      if (channel === this.channel) this.handlers?.onMessage(payload);
    });
    this.subscriber.on('close', () => {
      if (!this.subscribed || this.stopping || this.lost) return;
      this.lost = true;
      this.logger.warn('event listener lost its Redis connection; reconnecting');
    });
    this.subscriber.on('ready', () => {
      if (this.lost && !this.stopping) void this.resubscribe();
    });
  }

  async start(handlers: Handlers): Promise<void> {
    this.handlers = handlers;
    let timer: NodeJS.Timeout | undefined;
    // connectTimeout only covers the TCP handshake; a server that accepts but never answers would
    // otherwise keep start() (and the whole boot) waiting forever.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    });
    try {
      await Promise.race([
        Promise.all([this.subscriber.connect(), this.publisher.connect()]).then(() => this.subscriber.subscribe(this.channel)),
        deadline,
      ]);
      this.subscribed = true;
    } catch (error) {
      const cause = this.lastError ?? (error as Error);
      await this.stop();
      throw new Error(`cannot connect to Redis at ${hostOf(this.options.url)}: ${cause.message}`, { cause });
    } finally {
      clearTimeout(timer);
    }
  }

  private async resubscribe(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch {
      return; // the connection dropped again; the next 'ready' retries
    }
    // A flapping connection can run two of these; only the first reports the one outage.
    if (!this.lost || this.stopping) return;
    this.lost = false;
    this.logger.info('event listener reconnected to Redis');
    this.handlers?.onReconnect();
  }

  async publish(payloads: string[]): Promise<void> {
    for (const payload of payloads) await this.publisher.publish(this.channel, payload);
  }

  async publishInTransaction(): Promise<boolean> {
    return false;
  }

  stop(): Promise<void> {
    this.stopping ??= Promise.all([close(this.subscriber), close(this.publisher)]).then(() => undefined);
    return this.stopping;
  }
}

async function close(client: Redis): Promise<void> {
  // QUIT lets Redis drop the subscription at once; otherwise disconnect() also cancels a pending reconnect.
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}

/** For error messages: the URL may carry a password. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the configured URL';
  }
}
