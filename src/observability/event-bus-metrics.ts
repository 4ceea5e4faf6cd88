import { eventBusLag } from './metrics.ts';
import { addSpanEvent } from './tracing.ts';

/** Field carrying the publication time (ms since the epoch) in an event's bus payload. */
const SENT_AT = 'sentAt';

/**
 * Marks an event as it is published: stamps the publication time (so receivers can measure
 * `tmates_event_bus_lag_seconds`) and records a `tmates.event.published` span event on the active
 * span (the turn or mutation that caused it; not for streamed deltas). Returns a copy; the event itself is not changed.
 */
export function stampEvent<E extends { kind: string }>(event: E): E {
  const fields = event as unknown as Record<string, unknown>;
  // Streamed text (deltas) would bury the span in events: only state changes are recorded.
  if (event.kind !== 'delta') addSpanEvent('tmates.event.published', {
    'tmates.event.kind': event.kind,
    'tmates.thread.id': typeof fields.threadId === 'string' ? fields.threadId : undefined,
    'tmates.run.id': typeof fields.runId === 'string' ? fields.runId : undefined,
    'tmates.message.id': typeof fields.messageId === 'string' ? fields.messageId : undefined,
    'tmates.event.status': typeof fields.status === 'string' ? fields.status : undefined,
  });
  return { ...event, [SENT_AT]: Date.now() };
}

/** Observes the lag of an event this process received from the bus (events without a stamp are ignored). */
export function observeEventReceived(event: object): void {
  const sentAt = (event as Record<string, unknown>)[SENT_AT];
  if (typeof sentAt === 'number') eventBusLag.observe(Math.max(0, (Date.now() - sentAt) / 1000));
}
