import type { Runner } from 'graphile-worker';

/** A worker with no heartbeat for this long, and no job in hand, is reported not ready. */
const STALE_AFTER_MS = 30_000;

export interface WorkerHealth {
  /** The `/readyz` check of the worker: ok while it fetches jobs or runs them. */
  check(): { ok: boolean; detail?: string };
}

/**
 * Follows graphile-worker's events to tell whether the worker loop is alive: an idle worker asks
 * for a job every poll interval (1 s) and a busy one starts and completes jobs; either is a
 * heartbeat. A runner that stopped (or failed), or one silent for 30 s with no job in hand, is not ready.
 */
export function watchWorker(runner: Runner, now: () => number = Date.now): WorkerHealth {
  let lastBeat = now();
  let inFlight = 0;
  let stopped: string | undefined;
  const beat = () => {
    lastBeat = now();
  };
  runner.events.on('worker:getJob:start', beat);
  runner.events.on('worker:getJob:empty', beat);
  runner.events.on('localQueue:getJobs:complete', beat);
  runner.events.on('job:start', () => {
    inFlight += 1;
    beat();
  });
  runner.events.on('job:complete', () => {
    inFlight = Math.max(0, inFlight - 1);
    beat();
  });
  runner.events.on('worker:fatalError', () => (stopped = 'stopped after a fatal error'));
  runner.promise.then(
    () => (stopped ??= 'stopped'),
    () => (stopped ??= 'stopped after an error'),
  );
  return {
    check() {
      if (stopped) return { ok: false, detail: stopped };
      const silentMs = now() - lastBeat;
      if (inFlight === 0 && silentMs > STALE_AFTER_MS) return { ok: false, detail: `no heartbeat for ${Math.round(silentMs / 1000)} s` };
      return { ok: true, detail: inFlight > 0 ? `${inFlight} job(s) running` : undefined };
    },
  };
}
