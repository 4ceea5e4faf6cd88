import { randomUUID } from 'node:crypto';
import { deleteLiveSession, hasLiveSession, insertLiveSession, refreshLiveSessions } from '../repositories/live-sessions.ts';
import type { AppServices } from '../core/context.ts';

/** How often a process refreshes the sessions it holds. */
export const LIVE_SESSION_HEARTBEAT_MS = 20_000;
/** A session not refreshed for this long is taken as closed (its process died). */
export const LIVE_SESSION_FRESH_SECONDS = 60;

interface Registry {
  ids: Set<string>;
  timer: NodeJS.Timeout | undefined;
}

const registries = new WeakMap<AppServices, Registry>();

function registryOf(services: AppServices): Registry {
  let registry = registries.get(services);
  if (!registry) registries.set(services, (registry = { ids: new Set(), timer: undefined }));
  return registry;
}

/**
 * Records an open subscription of a person (to one thread, or `viewerEvents` with threadId null)
 * until the returned function is called. Rows are in the database, so the notification sender in
 * any process knows who is watching what; this process refreshes its rows every
 * LIVE_SESSION_HEARTBEAT_MS (one statement for all of them) and rows of a dead process go stale.
 */
export async function openLiveSession(services: AppServices, userId: string, threadId: string | null): Promise<() => void> {
  const id = randomUUID();
  await insertLiveSession(services.db, { id, userId, threadId });
  const registry = registryOf(services);
  registry.ids.add(id);
  if (!registry.timer) {
    registry.timer = setInterval(() => {
      refreshLiveSessions(services.db, [...registry.ids], LIVE_SESSION_FRESH_SECONDS * 10).catch((error) =>
        services.logger.warn({ err: error }, 'refreshing live sessions failed'),
      );
    }, LIVE_SESSION_HEARTBEAT_MS);
    registry.timer.unref();
  }
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    registry.ids.delete(id);
    if (registry.ids.size === 0 && registry.timer) {
      clearInterval(registry.timer);
      registry.timer = undefined;
    }
    deleteLiveSession(services.db, id).catch((error) => services.logger.warn({ err: error }, 'closing a live session failed'));
  };
}

/** The person holds an open `threadEvents` subscription to the thread (in any process). */
export function isWatching(services: Pick<AppServices, 'db'>, userId: string, threadId: string): Promise<boolean> {
  return hasLiveSession(services.db, userId, threadId, LIVE_SESSION_FRESH_SECONDS);
}

/** The person holds any open subscription (in any process). */
export function isOnline(services: Pick<AppServices, 'db'>, userId: string): Promise<boolean> {
  return hasLiveSession(services.db, userId, undefined, LIVE_SESSION_FRESH_SECONDS);
}
