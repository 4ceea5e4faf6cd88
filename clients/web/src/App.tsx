import { lazy, Suspense, useEffect, useState } from 'react';
import { Provider, useClient, useQuery } from 'urql';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { WebViewerDocument } from '../../generated/graphql.ts';
import { createClients, useSocketState, type Clients } from './client.ts';
import { session, useSession } from './session.ts';
import { applyTheme } from './theme.ts';
import { LiveApprovals, usePendingApprovals } from './approvals.ts';
import { Bell } from './components/Bell.tsx';
import { invitationTokenIn, pendingInvitation } from './invitation.ts';
import { LiveNotifications, useNotificationActions, useReadNotificationsOfThread } from './notifications.ts';
import { onNotificationClick, openedNotification } from './push.ts';
import { signOut } from './sign-out.ts';
import { SignIn } from './screens/SignIn.tsx';
import { LiveViewer, ThreadList } from './screens/ThreadList.tsx';
import { ThreadView } from './screens/ThreadView.tsx';

const Team = lazy(() => import('./screens/Team.tsx'));
const Files = lazy(() => import('./screens/Files.tsx'));
const Goals = lazy(() => import('./screens/Goals.tsx'));
const Pinboard = lazy(() => import('./screens/Pinboard.tsx'));
const Settings = lazy(() => import('./screens/Settings.tsx'));
const Billing = lazy(() => import('./screens/Billing.tsx'));
const Notifications = lazy(() => import('./screens/Notifications.tsx'));
const Invitation = lazy(() => import('./screens/Invitation.tsx'));

if (localStorage.getItem('tmates.supabase')) void import('./supabase.ts').then((m) => m.resumeSupabase());

export function App() {
  const s = useSession();
  // A new client (and socket) per session: signing in or switching organisation starts clean. Made in
  // an effect so that it is disposed exactly when replaced (also under StrictMode's double effects).
  const [clients, setClients] = useState<Clients | null>(null);
  useEffect(() => {
    const created = createClients({ token: s.token, orgId: s.orgId });
    setClients(created);
    return () => created.dispose();
  }, [s.token, s.orgId]);
  if (!clients) return null;
  return <Provider value={clients.urql}>{s.token ? <Shell /> : <SignIn />}</Provider>;
}

const NAV = ['Threads', 'Team', 'Pinboard', 'Files', 'Goals', 'Billing', 'Settings'] as const;

function Shell() {
  const [{ data, error, fetching }] = useQuery({ query: WebViewerDocument });
  const [location, navigate] = useLocation();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const { markRead } = useNotificationActions();
  const client = useClient();
  useReadNotificationsOfThread(/^\/threads\/([^/]+)$/.exec(location)?.[1] ?? null);
  const { state } = useSocketState();
  const approvalsPending = usePendingApprovals().size;
  useEffect(() => setDrawerOpen(false), [location]);
  useEffect(() => {
    if (data?.viewer?.settings.theme) applyTheme(data.viewer.settings.theme);
  }, [data?.viewer?.settings.theme]);
  useEffect(() => {
    // An invitation link opened before signing in, and the sign-in screen moved away from it. Once
    // signed in (this shell mounts then), not on every navigation.
    const token = pendingInvitation.get();
    if (token && invitationTokenIn(location) === null) navigate(`/invitations/${encodeURIComponent(token)}`, { replace: true });
  }, []);
  // Bumped by each notification click the service worker sends to this tab.
  const [clicks, setClicks] = useState(0);
  useEffect(
    () =>
      onNotificationClick((click) => {
        navigate(click.url);
        openedNotification.set(click);
        setClicks((n) => n + 1);
      }),
    [navigate],
  );
  const currentOrgId = data?.viewer?.currentOrg.id;
  useEffect(() => {
    // A clicked notification is read once its organisation is the current one (switched to if needed).
    const opened = openedNotification.get();
    if (!opened || !currentOrgId) return;
    if (opened.orgId && opened.orgId !== currentOrgId) return session.switchOrg(opened.orgId);
    openedNotification.clear();
    if (opened.notificationId) void markRead({ ids: [opened.notificationId] });
  }, [currentOrgId, markRead, clicks]);
  useEffect(() => {
    // A token the server no longer accepts (expired, revoked): back to sign-in.
    if (!fetching && (data && !data.viewer)) session.signOut();
  }, [data, fetching]);
  const viewer = data?.viewer;
  // <LiveViewer/> stays at one place in the tree, so the thread list loads alongside the viewer, not after it.
  if (!viewer) {
    return (
      <>
        <LiveViewer />
        <div className="loading" role="status">{error ? 'Cannot reach the server. Retrying…' : 'Loading…'}</div>
      </>
    );
  }
  return (
    <>
    <LiveViewer />
    <LiveApprovals />
    <LiveNotifications />
    <div className={`shell${drawerOpen ? ' drawer-open' : ''}`}>
      <header className="topbar">
        <button type="button" className="menu-button" aria-expanded={drawerOpen} aria-controls="sidebar" onClick={() => setDrawerOpen((o) => !o)}>
          Menu
        </button>
        <span className="brand">Tmates</span>
        <Bell className="topbar-bell" />
      </header>
      <aside id="sidebar" className="sidebar">
        <Bell className="sidebar-bell" />
        <div className="org">
          <label htmlFor="org-switcher">Organisation</label>
          <select id="org-switcher" value={viewer.currentOrg.id} onChange={(e) => session.switchOrg(e.target.value)}>
            {viewer.orgs.map((org) => (
              <option key={org.id} value={org.id}>
                {org.name}
              </option>
            ))}
          </select>
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((name) => (
              <li key={name}>
                <Link href={`/${name.toLowerCase()}`} className={(active) => (active || location.startsWith(`/${name.toLowerCase()}/`) ? 'active' : '')}>
                  {name}
                  {name === 'Threads' && approvalsPending > 0 && (
                    <span className="badge approvals-badge" aria-label={`${approvalsPending} waiting for approval`}>
                      {approvalsPending}
                    </span>
                  )}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <ThreadList compact />
        <div className="me">
          <span>{viewer.user.displayName}</span>
          <button
            type="button"
            onClick={() => void signOut(client)}
          >
            Sign out
          </button>
        </div>
      </aside>
      {drawerOpen && <div className="scrim" onClick={() => setDrawerOpen(false)} aria-hidden="true" />}
      <main className="main">
        {state === 'reconnecting' && (
          <div className="banner" role="status">
            Reconnecting…
          </div>
        )}
        <Suspense fallback={<div className="loading" role="status">Loading…</div>}>
          <Switch>
            <Route path="/">
              <Redirect to="/threads" />
            </Route>
            <Route path="/threads">
              <ThreadList />
            </Route>
            <Route path="/threads/:id">{(params) => <ThreadView key={params.id} id={params.id} viewerId={viewer.user.id} />}</Route>
            <Route path="/team" nest>
              <Team />
            </Route>
            <Route path="/files">
              <Files />
            </Route>
            <Route path="/goals" nest>
              <Goals />
            </Route>
            <Route path="/pinboard" nest>
              <Pinboard />
            </Route>
            <Route path="/billing">
              <Billing />
            </Route>
            <Route path="/settings">
              <Settings />
            </Route>
            <Route path="/notifications">
              <Notifications />
            </Route>
            <Route path="/invitations/:token">
              {(params) => <Invitation key={params.token} token={decodeURIComponent(params.token)} email={viewer.user.email} />}
            </Route>
            <Route>
              <p>
                Nothing here. <Link href="/threads">Back to threads</Link>
              </p>
            </Route>
          </Switch>
        </Suspense>
      </main>
    </div>
    </>
  );
}
