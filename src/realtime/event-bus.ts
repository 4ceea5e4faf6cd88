import type { Executor } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { encodeEvent, topicsOf, type BusEvent } from './events.ts';
import type { Transport } from './transport.ts';
import { asDelivery } from './delivery.ts';
import { observeEventReceived, stampEvent } from '../observability/event-bus-metrics.ts';

export type Listener = (event: BusEvent) => void;

/**
 * Enriches an event once per process before any listener sees it (e.g. loads the changed message
 * for every local subscriber at once); returns undefined when there is nothing to do.
 */
export type Preparer = (event: BusEvent, bus: EventBus) => Promise<void> | undefined;

/**
 * The process's end of the event bus: publishes through the transport, receives every event from
 * it (its own included) and fans each one out, once, to the local listeners of its topics.
 */
export class EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly reconnectListeners = new Set<() => void>();
  private preparer: Preparer | undefined;
  /** Dispatches waiting behind an event still being prepared (events stay in arrival order). */
  private tail: Promise<void> | undefined;

  constructor(
    readonly transport: Transport,
    private readonly logger: Logger,
  ) {}

  start(): Promise<void> {
    return this.transport.start({
      onMessage: (payload) => {
        let event: BusEvent;
        try {
          event = JSON.parse(payload) as BusEvent;
        } catch {
          this.logger.warn({ payload: payload.slice(0, 200) }, 'ignored a malformed bus event');
          return;
        }
        observeEventReceived(event);
        this.receive(event);
      },
      onReconnect: () => {
        for (const listener of this.reconnectListeners) listener();
      },
    });
  }

  stop(): Promise<void> {
    return this.transport.stop();
  }

  setPreparer(preparer: Preparer): void {
    this.preparer = preparer;
  }

  /** Whether any local listener would receive this event. */
  hasListeners(event: BusEvent): boolean {
    return topicsOf(event).some((topic) => this.listeners.has(topic));
  }

  private receive(event: BusEvent): void {
    const preparing = this.hasListeners(event) ? this.preparer?.(event, this) : undefined;
    if (!preparing && !this.tail) {
      this.dispatch(event);
      return;
    }
    const tail: Promise<void> = (this.tail ?? Promise.resolve())
      .then(() => preparing)
      .catch((error) => this.logger.warn({ err: error, kind: event.kind }, 'preparing an event failed; listeners load it themselves'))
      .then(() => this.dispatch(event));
    this.tail = tail;
    void tail.then(() => {
      if (this.tail === tail) this.tail = undefined;
    });
  }

  private dispatch(event: BusEvent): void {
    asDelivery(() => this.deliver(event));
  }

  private deliver(event: BusEvent): void {
    for (const topic of topicsOf(event)) {
      const set = this.listeners.get(topic);
      if (!set) continue;
      for (const listener of set) {
        try {
          listener(event);
        } catch (error) {
          this.logger.error({ err: error, topic }, 'event listener failed');
        }
      }
    }
  }

  subscribe(topic: string, listener: Listener): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(topic);
    };
  }

  /** Called after the transport lost and regained its connection: events may have been missed. */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Local listener count, for metrics and tests. */
  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  async publish(events: BusEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.transport.publish(events.map(stampEvent).flatMap(encodeEvent));
  }

  /** Publishes inside `trx` when the transport can; returns the events to publish after commit. */
  async publishInTransaction(trx: Executor, events: BusEvent[]): Promise<BusEvent[]> {
    if (events.length === 0) return [];
    return (await this.transport.publishInTransaction(trx, events.map(stampEvent).flatMap(encodeEvent))) ? [] : events;
  }
}
