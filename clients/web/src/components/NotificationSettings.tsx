import { useEffect, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  WebAddWebPushSubscriptionDocument,
  WebPushSettingsDocument,
  WebRemovePushTargetDocument,
  WebUpdateNotificationSettingsDocument,
  type WebPushTargetFragment,
} from '../../../generated/graphql.ts';
import { errorMessage } from '../errors.ts';
import { currentSubscription, PermissionError, pushUnsupportedReason, subscribe, subscriptionInput } from '../push.ts';

type Toggle = 'enabled' | 'directMessages' | 'teamMessages' | 'mentions';
const TOGGLES: Array<[Toggle, string]> = [
  ['enabled', 'Notify me'],
  ['directMessages', 'Direct messages'],
  ['teamMessages', 'Team thread messages'],
  ['mentions', 'Mentions'],
];

const DENIED =
  'Notifications are blocked for this site in your browser. Allow them in the site settings (the icon next to the address), then try again.';

/**
 * Settings → Notifications: what notifies (the person's toggles), push on this device (service worker +
 * Push API + addWebPushSubscription; turned off with unsubscribe + removePushTarget), and the other
 * registered devices.
 */
export function NotificationSettings() {
  const [{ data }, refetch] = useQuery({ query: WebPushSettingsDocument, requestPolicy: 'cache-and-network' });
  const [, updateSettings] = useMutation(WebUpdateNotificationSettingsDocument);
  const [, addSubscription] = useMutation(WebAddWebPushSubscriptionDocument);
  const [, removeTarget] = useMutation(WebRemovePushTargetDocument);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const unsupported = pushUnsupportedReason();
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const [permission, setPermission] = useState<NotificationPermission | null>(unsupported ? null : Notification.permission);
  useEffect(() => {
    void currentSubscription().then((s) => setEndpoint(s?.endpoint ?? null));
  }, []);
  const again = () => refetch({ requestPolicy: 'network-only' });
  // What the person just chose, shown at once; then what the server says (the mutation's payload).
  const [chosen, setChosen] = useState<Record<Toggle, boolean> | null>(null);
  const settings = chosen ?? data?.viewer?.settings.notifications;
  const targets = data?.pushTargets ?? [];
  const thisDevice = endpoint ? targets.find((t) => t.endpoint === endpoint) : undefined;
  const others = targets.filter((t) => t !== thisDevice);

  async function turnOn() {
    if (!data) return;
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const subscription = await subscribe(data.serverInfo.vapidPublicKey);
      const result = await addSubscription({ input: subscriptionInput(subscription) });
      const payload = result.data?.addWebPushSubscription;
      if (payload?.__typename !== 'PushTarget') {
        await subscription.unsubscribe();
        setError(errorMessage(payload ?? null) ?? 'Could not register this device.');
        return;
      }
      setEndpoint(subscription.endpoint);
      setStatus('Push notifications are on for this device.');
      again();
    } catch (e) {
      if (e instanceof PermissionError) setError(e.permission === 'denied' ? DENIED : 'Push notifications stay off: permission was not given.');
      else setError(`This browser could not subscribe to push notifications (${e instanceof Error ? e.message : String(e)}).`);
    } finally {
      setPermission(Notification.permission);
      setBusy(false);
    }
  }

  async function turnOff(target: WebPushTargetFragment | undefined) {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const subscription = await currentSubscription();
      await subscription?.unsubscribe();
      setEndpoint(null);
      if (target) {
        const result = await removeTarget({ id: target.id });
        const message = errorMessage(result.data?.removePushTarget ?? null);
        if (message) return setError(message);
      }
      setStatus('Push notifications are off for this device.');
      again();
    } finally {
      setBusy(false);
    }
  }

  async function remove(target: WebPushTargetFragment) {
    const result = await removeTarget({ id: target.id });
    const message = errorMessage(result.data?.removePushTarget ?? null);
    if (message) setError(message);
    else again();
  }

  return (
    <section aria-labelledby="notifications-settings" className="notification-settings">
      <h2 id="notifications-settings">Notifications</h2>
      {settings && (
        <fieldset>
          <legend>Notify me about</legend>
          {TOGGLES.map(([key, label]) => (
            <label key={key} className="check">
              <input
                type="checkbox"
                checked={settings[key]}
                disabled={key !== 'enabled' && !settings.enabled}
                onChange={async (e) => {
                  const on = e.target.checked;
                  const next = key === 'enabled' && !on ? { enabled: false, directMessages: false, teamMessages: false, mentions: false } : { ...settings, [key]: on };
                  setChosen(next);
                  const result = await updateSettings({ input: { [key]: on } });
                  const payload = result.data?.updateSettings;
                  setError(errorMessage(payload ?? null));
                  setChosen(payload?.__typename === 'UpdateSettingsPayload' ? payload.settings.notifications : null);
                }}
              />{' '}
              {label}
            </label>
          ))}
        </fieldset>
      )}
      <h3>This device</h3>
      {unsupported ? (
        <p className="muted">{unsupported} You will still see notifications under the bell.</p>
      ) : thisDevice ? (
        <>
          <p role="status">This device receives push notifications.</p>
          <button type="button" disabled={busy} onClick={() => void turnOff(thisDevice)}>
            Turn off push notifications on this device
          </button>
        </>
      ) : permission === 'denied' ? (
        <p className="notice">{DENIED}</p>
      ) : (
        <button type="button" disabled={busy || !data} onClick={() => void turnOn()}>
          Turn on push notifications on this device
        </button>
      )}
      {status && <p role="status" className="notice">{status}</p>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {others.length > 0 && (
        <>
          <h3>Other devices</h3>
          <ul aria-label="Other devices">
            {others.map((t) => {
              const name = t.kind === 'MOBILE' ? `${t.platform === 'IOS' ? 'iPhone or iPad' : 'Android phone'} (the app)` : `A browser (${hostOf(t.endpoint)})`;
              return (
                <li key={t.id}>
                  {name} · since {new Date(t.createdAt).toLocaleDateString()}{' '}
                  <button type="button" onClick={() => void remove(t)} aria-label={`Remove ${name}`}>
                    Remove
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      )}
    </section>
  );
}

function hostOf(endpoint: string | null | undefined): string {
  try {
    return endpoint ? new URL(endpoint).host : 'web push';
  } catch {
    return 'web push';
  }
}
