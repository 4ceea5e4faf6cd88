import webpush, { WebPushError } from 'web-push';
import { resolveVapidKeys } from '../auth/vapid.ts';
import type { Config } from '../config/config.ts';
import { notificationsSent } from '../observability/metrics.ts';
import type { PushTarget } from '../repositories/push-targets.ts';

/** What a device shows: the same JSON goes to browsers (the service worker reads it) and, as fields, to Expo. */
export interface PushMessage {
  notificationId: string;
  kind: string;
  title: string;
  body: string;
  /** Path in the web app to open. */
  url: string;
  count: number;
  /** Notifications with the same tag replace each other on the device (one per thread). */
  tag: string;
  /** Global id of the organisation it belongs to: the app switches to it before opening `url`. */
  orgId: string;
}

/**
 * How one target fared: `sent`; `gone` (404/410 or DeviceNotRegistered: delete it); `failed`
 * (anything else: worth retrying).
 */
export type TargetOutcome = { target: PushTarget; outcome: 'sent' | 'gone' | 'failed'; error?: string };

/** Push messages live this long at the push service when the device is off (seconds). */
export const PUSH_TTL_SECONDS = 24 * 3600;
const PUSH_TIMEOUT_MS = 10_000;

/**
 * Web push (RFC 8030) to one browser subscription with the `web-push` library: the payload is
 * encrypted `aes128gcm` (RFC 8291) with the subscription's p256dh/auth keys and signed with VAPID
 * (RFC 8292) keys from the configuration. The push service's TLS certificate is checked by Node
 * (add a private CA with NODE_EXTRA_CA_CERTS).
 */
export async function sendWebPush(config: Config, target: PushTarget, message: PushMessage): Promise<TargetOutcome> {
  const vapid = resolveVapidKeys(config);
  try {
    await webpush.sendNotification(
      { endpoint: target.endpoint!, keys: { p256dh: target.p256dh!, auth: target.auth! } },
      JSON.stringify(message),
      {
        vapidDetails: { subject: config.push.vapidSubject, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
        TTL: PUSH_TTL_SECONDS,
        contentEncoding: 'aes128gcm',
        urgency: 'normal',
        topic: topicOf(message.tag),
        timeout: PUSH_TIMEOUT_MS,
      },
    );
    notificationsSent.inc({ channel: 'web', outcome: 'sent' });
    return { target, outcome: 'sent' };
  } catch (error) {
    const status = error instanceof WebPushError ? error.statusCode : undefined;
    const gone = status === 404 || status === 410;
    notificationsSent.inc({ channel: 'web', outcome: gone ? 'removed' : 'failed' });
    return { target, outcome: gone ? 'gone' : 'failed', error: status ? `push service answered ${status}` : String((error as Error).message ?? error) };
  }
}

/** A Topic header value (up to 32 URL-safe base64 characters) from a tag. */
function topicOf(tag: string): string {
  return tag.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32);
}

interface ExpoTicket {
  status: 'ok' | 'error';
  id?: string;
  message?: string;
  details?: { error?: string };
}

/**
 * Expo push to a person's phones, in one request to Expo's HTTP API (EXPO_PUSH_URL, bearer
 * EXPO_ACCESS_TOKEN when set). The API answers one ticket per message, in order: a
 * `DeviceNotRegistered` ticket (or a 404/410 answer) means the token is gone.
 */
export async function sendExpoPush(config: Config, targets: PushTarget[], message: PushMessage): Promise<TargetOutcome[]> {
  if (targets.length === 0) return [];
  const { expoPushUrl, expoAccessToken } = config.notifications;
  const body = targets.map((target) => ({
    to: target.token,
    title: message.title,
    body: message.body,
    sound: 'default',
    ttl: PUSH_TTL_SECONDS,
    channelId: 'default',
    data: { notificationId: message.notificationId, url: message.url, kind: message.kind, count: message.count },
  }));
  const all = (outcome: TargetOutcome['outcome'], error?: string): TargetOutcome[] => {
    notificationsSent.inc({ channel: 'mobile', outcome: outcome === 'gone' ? 'removed' : outcome }, targets.length);
    return targets.map((target) => ({ target, outcome, error }));
  };
  let response: Response;
  try {
    response = await fetch(expoPushUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(expoAccessToken ? { authorization: `Bearer ${expoAccessToken}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  } catch (error) {
    return all('failed', String((error as Error).message ?? error));
  }
  if (response.status === 404 || response.status === 410) return all('gone');
  if (!response.ok) return all('failed', `Expo answered ${response.status}`);
  const parsed = (await response.json().catch(() => ({}))) as { data?: ExpoTicket[] | ExpoTicket };
  const tickets = Array.isArray(parsed.data) ? parsed.data : parsed.data ? [parsed.data] : [];
  return targets.map((target, i) => {
    const ticket = tickets[i];
    let outcome: TargetOutcome['outcome'] = 'failed';
    if (ticket?.status === 'ok') outcome = 'sent';
    else if (ticket?.details?.error === 'DeviceNotRegistered') outcome = 'gone';
    notificationsSent.inc({ channel: 'mobile', outcome: outcome === 'gone' ? 'removed' : outcome });
    return { target, outcome, error: ticket?.status === 'ok' ? undefined : (ticket?.message ?? 'no ticket for this message') };
  });
}
