// @ts-check
/// <reference lib="webworker" />
/**
 * Tmates' service worker (scope `/`), registered by the web app at start-up. It only handles push
 * notifications; it caches nothing, so the app always loads from the network.
 *
 * * `push`: the server's web push payload is JSON `{ title, body, url, tag, notificationId, orgId? }`
 *   (url: a path of the app such as `/threads/<id>`, or an absolute URL); it is shown with `showNotification`,
 *   one per `tag` (a newer one replaces the older: coalesced messages of one thread). Without a payload
 *   a generic notification is shown, as browsers require one for every push.
 * * `notificationclick`: focuses a tab of the app and sends it `{ type: 'tmates.notification-click',
 *   url, notificationId, orgId }` (the app switches to that organisation, navigates there and marks the
 *   notification read), or opens a new tab at the url with `?notification=<id>&org=<id>` for the same.
 */
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

sw.addEventListener('install', () => {
  void sw.skipWaiting();
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(sw.clients.claim());
});

/**
 * @typedef {{ title?: string, body?: string, url?: string, tag?: string, notificationId?: string, orgId?: string }} PushPayload
 */

/** @param {PushMessageData | null} data @returns {PushPayload} */
function readPayload(data) {
  if (!data) return {};
  try {
    const value = data.json();
    return value && typeof value === 'object' ? value : {};
  } catch {
    return { body: data.text() };
  }
}

/** @param {PushPayload} payload */
function show(payload) {
  const title = typeof payload.title === 'string' && payload.title ? payload.title : 'Tmates';
  /** @type {NotificationOptions & { renotify?: boolean }} */
  const options = {
    body: typeof payload.body === 'string' ? payload.body : '',
    data: {
      url: typeof payload.url === 'string' && payload.url ? payload.url : '/notifications',
      notificationId: payload.notificationId ?? null,
      orgId: payload.orgId ?? null,
    },
  };
  if (typeof payload.tag === 'string' && payload.tag) {
    options.tag = payload.tag;
    options.renotify = true;
  }
  return sw.registration.showNotification(title, options);
}

sw.addEventListener('push', (event) => {
  event.waitUntil(show(readPayload(event.data)));
});

sw.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data ?? {};
  const target = new URL(typeof data.url === 'string' ? data.url : '/notifications', sw.location.origin);
  const notificationId = typeof data.notificationId === 'string' ? data.notificationId : null;
  const orgId = typeof data.orgId === 'string' ? data.orgId : null;
  event.waitUntil(
    (async () => {
      if (target.origin !== sw.location.origin) {
        await sw.clients.openWindow(target.href);
        return;
      }
      const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const same = windows.filter((w) => new URL(w.url).origin === sw.location.origin);
      // The tab already showing that page first, else any tab of the app.
      const client = same.find((w) => new URL(w.url).pathname === target.pathname) ?? same[0];
      if (client) {
        const focused = await client.focus().catch(() => client);
        focused.postMessage({ type: 'tmates.notification-click', url: `${target.pathname}${target.search}${target.hash}`, notificationId, orgId });
        return;
      }
      if (notificationId) target.searchParams.set('notification', notificationId);
      if (orgId) target.searchParams.set('org', orgId);
      await sw.clients.openWindow(target.href);
    })(),
  );
});
