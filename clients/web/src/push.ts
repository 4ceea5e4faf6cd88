/**
 * This browser as a push target: the service worker (public/sw.js, scope `/`) registered at start-up,
 * and the Push API subscription made with the server's VAPID key and sent with addWebPushSubscription.
 */

/** Why this browser cannot take push notifications, or null when it can. */
export function pushUnsupportedReason(): string | null {
  if (!window.isSecureContext) return 'Push notifications need a secure (https) connection to this server.';
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return 'This browser cannot receive push notifications.';
  }
  return null;
}

/** Registers the service worker; resolves to its registration, or null where there is none. */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return Promise.resolve(null);
  return navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
    console.info('service worker not registered:', error);
    return null;
  });
}

/** The base64url VAPID public key as the bytes `applicationServerKey` takes. */
export function vapidKeyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(base64url.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The current subscription of this browser, or null. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  if (pushUnsupportedReason()) return null;
  const registration = await navigator.serviceWorker.getRegistration('/');
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** What addWebPushSubscription takes, from a subscription. */
export function subscriptionInput(subscription: PushSubscription): { endpoint: string; p256dh: string; auth: string } {
  const json = subscription.toJSON();
  return { endpoint: subscription.endpoint, p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' };
}

/**
 * Asks for permission (when not yet given) and subscribes this browser with the server's VAPID key.
 * Throws `PermissionError` when the person (or the browser) says no.
 */
export async function subscribe(vapidPublicKey: string): Promise<PushSubscription> {
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  if (permission !== 'granted') throw new PermissionError(permission);
  const registration = (await registerServiceWorker()) ?? (await navigator.serviceWorker.ready);
  await navigator.serviceWorker.ready;
  const existing = await registration.pushManager.getSubscription();
  const key = vapidKeyBytes(vapidPublicKey);
  // A subscription made with another key (the server's keys changed) cannot be reused.
  if (existing && sameKey(existing.options.applicationServerKey, key)) return existing;
  await existing?.unsubscribe();
  return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
}

function sameKey(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a) return false;
  const bytes = new Uint8Array(a);
  return bytes.length === b.length && bytes.every((v, i) => v === b[i]);
}

export class PermissionError extends Error {
  constructor(readonly permission: NotificationPermission) {
    super(permission === 'denied' ? 'Notifications are blocked for this site.' : 'Notifications were not allowed.');
  }
}

/** A click on a shown notification, as the service worker reports it (or opened a tab with it). */
export interface NotificationClick {
  url: string;
  notificationId: string | null;
  /** The organisation it belongs to, when the push said so; the app switches to it. */
  orgId: string | null;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** Calls `listener` for each notification click the service worker sends to this tab. */
export function onNotificationClick(listener: (click: NotificationClick) => void): () => void {
  if (!('serviceWorker' in navigator)) return () => undefined;
  const handle = (event: MessageEvent) => {
    const data: unknown = event.data;
    if (!data || typeof data !== 'object') return;
    const message = data as Record<string, unknown>;
    const url = str(message.url);
    if (message.type === 'tmates.notification-click' && url) listener({ url, notificationId: str(message.notificationId), orgId: str(message.orgId) });
  };
  navigator.serviceWorker.addEventListener('message', handle);
  return () => navigator.serviceWorker.removeEventListener('message', handle);
}

/**
 * The notification clicked last, until the app has marked it read (in its organisation, which may
 * need a switch first). A tab the service worker opened carries it as `?notification=<id>&org=<id>`,
 * taken off the address at start-up.
 */
let opened: NotificationClick | null = null;
export const openedNotification = {
  get: () => opened,
  set(click: NotificationClick) {
    opened = click;
  },
  clear() {
    opened = null;
  },
};

if (typeof location !== 'undefined') {
  const params = new URLSearchParams(location.search);
  const notificationId = params.get('notification');
  if (notificationId) {
    opened = { url: location.pathname, notificationId, orgId: params.get('org') };
    params.delete('notification');
    params.delete('org');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  }
}

/**
 * On sign-out: this browser stops receiving the person's notifications. `removeTarget` deletes the
 * server's push target for the endpoint (while the token still works), then the subscription is
 * dropped. Bounded to `ms`, so signing out never waits on a slow network.
 */
export async function forgetThisDevice(removeTarget: (endpoint: string) => Promise<unknown>, ms = 3_000): Promise<void> {
  const work = (async () => {
    const subscription = await currentSubscription();
    if (!subscription) return;
    await removeTarget(subscription.endpoint).catch(() => undefined);
    await subscription.unsubscribe().catch(() => false);
  })();
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms))]);
}
