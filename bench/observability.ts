/**
 * Cost of the observability hooks on a turn's hot path (npm run bench:observability), each as a
 * ratio against the same work without the hook, measured side by side in this run (rounds
 * alternate, best of 5 rounds each):
 *   1. a streamed completion through `instrumentProvider` (metrics + a no-op span while tracing is
 *      off) vs. the bare offline provider (no delay between words);
 *   2. the same with tracing on (spans recorded into an in-memory exporter);
 *   3. encoding bus events with `stampEvent` (publication time, span event) vs. plain `encodeEvent`.
 * Options: --completions 3000 --events 200000
 */
import { parseArgs } from 'node:util';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { OfflineProvider } from '../src/models/providers/offline-provider.ts';
import type { ModelProvider } from '../src/models/providers/types.ts';
import { observeEventReceived, stampEvent } from '../src/observability/event-bus-metrics.ts';
import { instrumentProvider } from '../src/models/providers/instrumented-provider.ts';
import { startTracing } from '../src/observability/tracing.ts';
import { encodeEvent, type BusEvent } from '../src/realtime/events.ts';

const { values } = parseArgs({ options: { completions: { type: 'string', default: '3000' }, events: { type: 'string', default: '200000' } } });
const COMPLETIONS = Number(values.completions);
const EVENTS = Number(values.events);

async function completions(provider: ModelProvider): Promise<number> {
  const started = performance.now();
  const signal = new AbortController().signal;
  for (let i = 0; i < COMPLETIONS; i += 1) {
    const request = { model: 'tmates-offline', persona: { name: 'Noor', role: 'generalist' }, messages: [{ role: 'user' as const, content: `Question ${i}: what is next?` }] };
    for await (const event of provider.stream(request, signal)) void event;
  }
  return performance.now() - started;
}

function events(stamp: boolean): number {
  const event: BusEvent = { kind: 'run', orgId: 'o', threadId: 't', runId: 'r', status: 'running' };
  const started = performance.now();
  for (let i = 0; i < EVENTS; i += 1) {
    const [payload] = encodeEvent(stamp ? stampEvent(event) : event);
    const received = JSON.parse(payload!) as object;
    if (stamp) observeEventReceived(received);
  }
  return performance.now() - started;
}

async function bestOf<T>(rounds: number, pairs: () => Promise<[number, number]> | [number, number]): Promise<[number, number]> {
  let best: [number, number] = [Infinity, Infinity];
  for (let r = 0; r < rounds; r += 1) {
    const [a, b] = await pairs();
    best = [Math.min(best[0], a), Math.min(best[1], b)];
  }
  return best;
}

const bare = new OfflineProvider({ chunkDelayMs: 0 });
const instrumented = instrumentProvider(bare);
await completions(bare);
await completions(instrumented); // warm up

const [plain, measured] = await bestOf(5, async () => [await completions(bare), await completions(instrumented)]);
console.log(`completion (offline model), tracing off: ${(plain / COMPLETIONS * 1000).toFixed(1)} µs bare, ${(measured / COMPLETIONS * 1000).toFixed(1)} µs instrumented — ratio ${(measured / plain).toFixed(3)}`);

const [plainEvents, stampedEvents] = await bestOf(5, () => [events(false), events(true)]);
console.log(`bus event encode+decode, tracing off: ${(plainEvents / EVENTS * 1000).toFixed(2)} µs plain, ${(stampedEvents / EVENTS * 1000).toFixed(2)} µs stamped — ratio ${(stampedEvents / plainEvents).toFixed(3)}`);

const exporter = new InMemorySpanExporter();
const tracing = await startTracing({ serviceName: 'bench', version: '0', exporter });
const [plainOn, tracedOn] = await bestOf(5, async () => {
  const result: [number, number] = [await completions(bare), await completions(instrumented)];
  exporter.reset();
  return result;
});
console.log(`completion (offline model), tracing on: ${(plainOn / COMPLETIONS * 1000).toFixed(1)} µs bare, ${(tracedOn / COMPLETIONS * 1000).toFixed(1)} µs traced — ratio ${(tracedOn / plainOn).toFixed(3)}`);
await tracing?.shutdown();
