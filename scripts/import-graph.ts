/**
 * Figures of the import graph of `src/` (issue 12), read from dependency-cruiser's JSON:
 *
 *   npm run graph:report            # runs depcruise itself
 *   npx depcruise src --config .dependency-cruiser.cjs --output-type json | tsx scripts/import-graph.ts -
 *
 * Prints the size of the largest import cycle (largest strongly connected component of the
 * file graph, type imports included), the imports that run up against the floor order below,
 * and the files one message crosses from `sendMessage` to the reply, with the hops between
 * top-level folders and how many of them call up the floors.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The floors, bottom first, as `.dependency-cruiser.cjs` declares them (the one place they are written). */
const FLOORS = (createRequire(import.meta.url)('../.dependency-cruiser.cjs') as { FLOORS: string[][] }).FLOORS;

interface Cruise {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string }> }>;
}

const top = (file: string) => file.replace(/^src\//, '').split('/')[0]!;
const floorOf = (file: string) => FLOORS.findIndex((f) => f.includes(top(file)));

function readCruise(): Cruise {
  if (process.argv[2] === '-') return JSON.parse(readFileSync(0, 'utf8')) as Cruise;
  const out = execFileSync('npx', ['depcruise', 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  return JSON.parse(out) as Cruise;
}

/** Tarjan's strongly connected components, largest first. */
function components(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const result: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      result.push(component);
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return result.sort((a, b) => b.length - a.length);
}

/**
 * The calls one message goes through, caller first, each found by the declaration of its name
 * (so the same list measures any layout of the files). The run's job goes through the queue.
 */
const MESSAGE_PATH: Array<[caller: string, callee: string]> = [
  ['function sendMessage', 'function routeMessage'],
  ['function sendMessage', 'function startRunsForMessage'],
  ['function startRunsForMessage', "'agents__run_turn'"],
  ["'agents__run_turn'", 'async execute('],
  ['async execute(', 'function beginRun'],
  ['async execute(', 'function runTurn'],
  ['function runTurn', 'function buildPrompt'],
  ['function buildPrompt', 'function readOrgSettings'],
  ['function buildPrompt', 'function summarise'],
  ['function buildPrompt', 'function attachmentsForMessages'],
  ['class ReplyStream', 'function flushReply'],
  ['async execute(', 'function endRun'],
];

function declaringFile(files: string[], needle: string): string {
  const hits = files.filter((f) => f.endsWith('.ts') && readFileSync(f, 'utf8').includes(needle));
  // The run_turn task name also appears where jobs are enqueued; the handler is in src/jobs.
  const preferred = hits.find((f) => top(f) === 'jobs') ?? hits[0];
  if (!preferred) throw new Error(`nothing in src declares ${needle}`);
  return preferred;
}

const cruise = readCruise();
const files = cruise.modules.map((m) => m.source).filter((s) => s.startsWith('src/'));
const graph = new Map<string, string[]>();
for (const m of cruise.modules) {
  if (!m.source.startsWith('src/')) continue;
  graph.set(m.source, m.dependencies.map((d) => d.resolved).filter((r) => r.startsWith('src/')));
}

const sccs = components(graph).filter((c) => c.length > 1);
console.log(`files in src: ${graph.size}`);
console.log(`largest import cycle: ${sccs[0]?.length ?? 0} files (${sccs.length} cycles of 2+ files: ${sccs.map((c) => c.length).join(', ') || 'none'})`);

const up: string[] = [];
const unknown = new Set<string>();
for (const [from, tos] of graph) {
  for (const to of tos) {
    const a = floorOf(from);
    const b = floorOf(to);
    if (a < 0) unknown.add(top(from));
    if (b < 0) unknown.add(top(to));
    if (a >= 0 && b >= 0 && top(from) !== top(to) && b > a) up.push(`${from} -> ${to}`);
  }
}
console.log(`imports that run up the floors: ${up.length}`);
const byFolders = new Map<string, number>();
for (const edge of up) {
  const [from, to] = edge.split(' -> ') as [string, string];
  const key = `${top(from)} -> ${top(to)}`;
  byFolders.set(key, (byFolders.get(key) ?? 0) + 1);
}
for (const [key, n] of [...byFolders].sort((a, b) => b[1] - a[1])) console.log(`  ${key}: ${n}`);
if (unknown.size) console.log(`folders without a floor: ${[...unknown].join(', ')}`);

const where = new Map<string, string>();
for (const needle of MESSAGE_PATH.flat()) where.set(needle, declaringFile(files, needle));
let hops = 0;
let upHops = 0;
let agentServiceHops = 0;
console.log('one message, sendMessage to reply (caller -> callee):');
for (const [caller, callee] of MESSAGE_PATH) {
  const from = where.get(caller)!;
  const to = where.get(callee)!;
  const queued = caller.includes('startRunsForMessage');
  let mark = '';
  if (top(from) !== top(to)) {
    hops++;
    const pair = new Set([top(from), top(to)]);
    if (pair.has('agents') && pair.has('services')) agentServiceHops++;
    const callsUp = !queued && floorOf(to) > floorOf(from);
    if (callsUp) upHops++;
    mark = queued ? '  (hop, through the job queue)' : callsUp ? '  (hop, calls UP the floors)' : '  (hop, down)';
  }
  console.log(`  ${from.replace('src/', '')} -> ${to.replace('src/', '')}: ${callee}${mark}`);
}
const distinct = new Set(where.values()).size;
console.log(`message path: ${distinct} files, ${hops} calls between folders (${agentServiceHops} between agents and services), ${upHops} calling up the floors`);
