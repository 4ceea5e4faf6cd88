import type { Logger } from '../logger.ts';
import type { EmbeddedPostgres } from './embedded-postgres.ts';
import type { DatabaseHealth } from './health.ts';

/**
 * Keeps the embedded PostgreSQL alive: when the database stops answering and its postmaster is
 * gone (crashed, killed), it is started again, after 0.5 s, then 1, 2, 4… (at most 30 s) between
 * failed attempts. After `maxRestarts` failed attempts in a row, `onGiveUp` is called: the
 * process should then exit non-zero so that its supervisor (systemd, Docker, Kubernetes) restarts
 * it whole. Meanwhile /readyz answers 503 and open streams have ended with a retryable error.
 * A server owned by another Tmates process is that process's to restart.
 */
export function superviseEmbeddedPostgres(options: {
  embedded: EmbeddedPostgres;
  health: DatabaseHealth;
  maxRestarts: number;
  logger: Logger;
  onGiveUp(error: Error): void;
}): () => void {
  const { embedded, health, logger } = options;
  if (!embedded.running || !embedded.restart) return () => {};
  let stopped = false;
  let recovering = false;
  let timer: NodeJS.Timeout | undefined;
  const recover = async () => {
    if (recovering || stopped) return;
    recovering = true;
    let failures = 0;
    let delay = 500;
    try {
      while (!stopped && !health.up) {
        await new Promise<void>((resolve) => (timer = setTimeout(resolve, delay)));
        if (stopped) return;
        if (embedded.running!()) {
          // Running but not answering (starting up, recovering): wait for it.
          if (await health.check()) return;
          continue;
        }
        try {
          logger.warn({ attempt: failures + 1 }, 'embedded PostgreSQL is not running; restarting it');
          await embedded.restart!();
          failures = 0;
          await health.check();
        } catch (error) {
          failures += 1;
          logger.error({ err: error, failures }, 'restarting the embedded PostgreSQL failed');
          if (failures >= options.maxRestarts) {
            options.onGiveUp(new Error(`the embedded PostgreSQL could not be restarted after ${failures} attempts`));
            return;
          }
          delay = Math.min(delay * 2, 30_000);
        }
      }
    } finally {
      recovering = false;
    }
  };
  const onDown = () => {
    if (options.maxRestarts === 0) {
      if (!embedded.running!()) options.onGiveUp(new Error('the embedded PostgreSQL stopped (EMBEDDED_PG_RESTARTS=0)'));
      return;
    }
    void recover();
  };
  health.on('down', onDown);
  return () => {
    stopped = true;
    clearTimeout(timer);
    health.off('down', onDown);
  };
}
