import { AuthenticationError } from '../auth/errors.ts';
import { type Viewer } from '../core/viewer.ts';
import { topics, type BusEvent } from '../realtime/events.ts';
import { authenticate, type Credentials } from '../services/viewer.ts';
import type { AppServices } from '../core/context.ts';

interface Entry {
  viewer: Promise<Viewer | null>;
  until: number;
  stop: Array<() => void>;
}

/**
 * Verified WebSocket credentials for a few seconds, so that a reconnect storm (thousands of
 * sockets presenting the same few tokens) and each socket's `connection_init` + `subscribe`
 * authenticate once, not once per step: concurrent look-ups of one credential share one, and the
 * answer is reused for `ttlMs`. What would make it wrong ends it at once: a `credentials_ended`
 * or `org_member_removed` event for the person (in any process), and the credential's expiry.
 * Failures are never kept. Bounded; the oldest entries go first. WebSocket only: HTTP requests
 * authenticate every time.
 */
export class ViewerCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly services: AppServices,
    private readonly ttlMs = 5_000,
    private readonly max = 10_000,
  ) {}

  authenticate(credentials: Credentials): Promise<Viewer | null> {
    if (!credentials.token) return Promise.resolve(null);
    const key = `${credentials.token}\u0000${credentials.org ?? ''}`;
    const now = Date.now();
    const known = this.entries.get(key);
    if (known && known.until > now) {
      return known.viewer.then((viewer) => {
        if (viewer?.expiresAt && viewer.expiresAt.getTime() <= Date.now()) {
          this.drop(key);
          throw new AuthenticationError(viewer.via === 'api_key' ? 'Invalid or revoked API key' : 'Token expired');
        }
        return viewer;
      });
    }
    if (known) this.drop(key);
    const entry: Entry = { viewer: authenticate(this.services, credentials), until: now + this.ttlMs, stop: [] };
    if (this.entries.size >= this.max) this.drop(this.entries.keys().next().value!);
    this.entries.set(key, entry);
    entry.viewer.then(
      (viewer) => {
        if (!viewer || this.entries.get(key) !== entry) return;
        const forget = (event: BusEvent) => {
          if (event.kind === 'credentials_ended' || (event.kind === 'org_member_removed' && event.userId === viewer.user.id)) this.drop(key);
        };
        entry.stop.push(this.services.bus.subscribe(topics.user(viewer.user.id), forget), this.services.bus.subscribe(topics.org(viewer.org.id), forget));
        const timer = setTimeout(() => this.drop(key), this.ttlMs);
        timer.unref();
        entry.stop.push(() => clearTimeout(timer));
      },
      () => this.drop(key),
    );
    return entry.viewer;
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    for (const stop of entry.stop) stop();
  }
}
