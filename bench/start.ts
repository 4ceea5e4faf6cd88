/**
 * Start-up and shutdown times of `tmates serve` on the embedded database, as a user sees them:
 * from spawning the process to the first 200 from /readyz, and from SIGTERM to exit.
 *   cold  = first run in an empty TMATES_HOME (initdb included)
 *   warm  = second run on the same TMATES_HOME
 * Usage: npm run bench:start [-- --runs 5]
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawnTmates } from '../test/helpers/process.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

async function startOnce(home: string): Promise<{ readyMs: number; stopMs: number }> {
  const started = performance.now();
  const proc = spawnTmates(['serve'], { TMATES_HOME: home, PORT: '0', LOG_LEVEL: 'warn' });
  const [, url] = await proc.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/);
  const readyz = url!.replace(/\/graphql$/, '/readyz');
  while ((await fetch(readyz).catch(() => undefined))?.status !== 200) await new Promise((r) => setTimeout(r, 5));
  const readyMs = performance.now() - started;
  const stopping = performance.now();
  proc.child.kill('SIGTERM');
  const { code } = await proc.exited;
  if (code !== 0) throw new Error(`tmates exited with ${code}: ${proc.stderr()}`);
  return { readyMs, stopMs: performance.now() - stopping };
}

function summary(label: string, values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `${label.padEnd(26)} median ${median.toFixed(0).padStart(5)} ms   min ${sorted[0]!.toFixed(0).padStart(5)} ms   max ${sorted.at(-1)!.toFixed(0).padStart(5)} ms`,
  );
}

const cold: number[] = [];
const warm: number[] = [];
const stop: number[] = [];
for (let i = 0; i < runs; i += 1) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-bench-'));
  chmodSync(home, 0o755);
  try {
    const first = await startOnce(home);
    const second = await startOnce(home);
    cold.push(first.readyMs);
    warm.push(second.readyMs);
    stop.push(first.stopMs, second.stopMs);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
console.log(`tmates serve on embedded PostgreSQL, ${runs} runs (${os.cpus().length} cores, node ${process.version})`);
summary('cold start → /readyz 200', cold);
summary('warm start → /readyz 200', warm);
summary('SIGTERM → exit', stop);
