import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import {
  WebCreateApiKeyDocument,
  WebInviteMemberDocument,
  WebRevokeApiKeyDocument,
  WebSettingsDocument,
  WebUpdateProfileDocument,
  WebUpdateSettingsDocument,
  type Theme,
} from '../../../generated/graphql.ts';
import { NotificationSettings } from '../components/NotificationSettings.tsx';
import { errorMessage } from '../errors.ts';
import { applyTheme } from '../theme.ts';

/**
 * Settings: profile, preferences (theme applies at once), notifications and push on this device,
 * organisation, members and invitations (with the link to send), API keys.
 */
export default function Settings() {
  const [{ data }, refetch] = useQuery({ query: WebSettingsDocument, requestPolicy: 'cache-and-network' });
  const [, updateProfile] = useMutation(WebUpdateProfileDocument);
  const [, updateSettings] = useMutation(WebUpdateSettingsDocument);
  const [, invite] = useMutation(WebInviteMemberDocument);
  const [, createKey] = useMutation(WebCreateApiKeyDocument);
  const [, revokeKey] = useMutation(WebRevokeApiKeyDocument);
  const [status, setStatus] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [invited, setInvited] = useState<{ email: string; token: string; emailed: boolean } | null>(null);
  const viewer = data?.viewer;
  if (!viewer) return <div className="skeleton" />;
  const org = viewer.currentOrg;
  const canAdmin = org.viewerRole === 'OWNER' || org.viewerRole === 'ADMIN';
  const again = () => refetch({ requestPolicy: 'network-only' });

  return (
    <section className="page settings">
      <h1>Settings</h1>
      {status && <p role="status" className="notice">{status}</p>}
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const displayName = String(new FormData(event.currentTarget).get('displayName') ?? '');
          const result = await updateProfile({ input: { displayName } });
          setStatus(errorMessage(result.data?.updateProfile ?? null) ?? 'Profile saved.');
        }}
      >
        <h2>Profile</h2>
        <label>Display name<input name="displayName" defaultValue={viewer.user.displayName} required maxLength={100} /></label>
        <p className="muted">{viewer.user.email}</p>
        <button type="submit">Save profile</button>
      </form>

      <fieldset>
        <legend>Theme</legend>
        {(['SYSTEM', 'LIGHT', 'DARK'] as Theme[]).map((theme) => (
          <label key={theme} className="check">
            <input
              type="radio"
              name="theme"
              value={theme}
              defaultChecked={viewer.settings.theme === theme}
              onChange={async () => {
                applyTheme(theme);
                const result = await updateSettings({ input: { user: { theme } } });
                setStatus(errorMessage(result.data?.updateSettings ?? null));
              }}
            />{' '}
            {theme === 'SYSTEM' ? 'System' : theme === 'LIGHT' ? 'Light' : 'Dark'}
          </label>
        ))}
      </fieldset>

      <NotificationSettings />

      {canAdmin && (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const f = new FormData(event.currentTarget);
            const result = await updateSettings({ input: { org: { name: String(f.get('orgName')), timezone: String(f.get('timezone')) } } });
            setStatus(errorMessage(result.data?.updateSettings ?? null) ?? 'Organisation saved.');
          }}
        >
          <h2>Organisation</h2>
          <label>Organisation name<input name="orgName" defaultValue={org.name} required /></label>
          <label>Time zone<input name="timezone" defaultValue={org.settings.timezone} required /></label>
          <button type="submit">Save organisation</button>
        </form>
      )}

      <h2>Members</h2>
      <ul>
        {org.members.edges.map(({ node: m }) => (
          <li key={m.user.id}>{m.user.displayName} ({m.user.email}) · {m.role.toLowerCase()}</li>
        ))}
      </ul>
      {canAdmin && org.kind === 'TEAM' && (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const form = event.currentTarget;
            const email = String(new FormData(form).get('inviteEmail'));
            const result = await invite({ input: { email } });
            const payload = result.data?.inviteMember;
            if (payload?.__typename === 'InviteMemberPayload') {
              setInvited({ email, token: payload.token, emailed: payload.emailed });
              form.reset();
              again();
            } else setStatus(errorMessage(payload ?? null));
          }}
        >
          <label>Invite by email<input name="inviteEmail" type="email" required /></label>
          <button type="submit">Invite</button>
          {invited && (
            <p role="status">
              {invited.emailed ? `We emailed ${invited.email} a link to join. You can also send them this link` : `Send ${invited.email} this invitation link`}{' '}
              (shown once; it works for 7 days): <code>{`${location.origin}/invitations/${encodeURIComponent(invited.token)}`}</code>
            </p>
          )}
          <ul>{org.invitations.map((i) => <li key={i.id}>{i.email} · {i.status.toLowerCase()}</li>)}</ul>
        </form>
      )}

      <h2>API keys</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const result = await createKey({ name: String(new FormData(form).get('keyName')) });
          const payload = result.data?.createApiKey;
          if (payload?.__typename === 'CreateApiKeyPayload') {
            setSecret(payload.secret);
            form.reset();
            again();
          } else setStatus(errorMessage(payload ?? null));
        }}
      >
        <label>Key name<input name="keyName" required maxLength={100} /></label>
        <button type="submit">Create API key</button>
      </form>
      {secret && (
        <p role="status" className="notice">
          Copy this key now; it is not shown again: <code>{secret}</code>
        </p>
      )}
      <ul>
        {viewer.apiKeys.map((k) => (
          <li key={k.id}>
            {k.name} <code>{k.prefix}…</code> {k.revokedAt ? '· revoked' : (
              <button type="button" onClick={async () => (await revokeKey({ input: { apiKeyId: k.id } }), again())}>Revoke {k.name}</button>
            )}
          </li>
        ))}
      </ul>
      <p className="muted">Billing is not in the web app yet.</p>
    </section>
  );
}
