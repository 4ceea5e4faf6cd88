/**
 * The signed-in session, kept in localStorage: the bearer token and the chosen organisation.
 * Components subscribe with `useSession()`; a change rebuilds the GraphQL client (see client.ts).
 */
import { useSyncExternalStore } from 'react';

export interface Session {
  token: string | null;
  orgId: string | null;
}

const TOKEN_KEY = 'tmates.token';
const ORG_KEY = 'tmates.org';
const listeners = new Set<() => void>();
let current: Session = read();

function read(): Session {
  try {
    return { token: localStorage.getItem(TOKEN_KEY), orgId: localStorage.getItem(ORG_KEY) };
  } catch {
    return { token: null, orgId: null };
  }
}

function write(next: Session) {
  current = next;
  try {
    if (next.token) localStorage.setItem(TOKEN_KEY, next.token);
    else localStorage.removeItem(TOKEN_KEY);
    if (next.orgId) localStorage.setItem(ORG_KEY, next.orgId);
    else localStorage.removeItem(ORG_KEY);
  } catch {
    // Private mode without storage: the session lasts as long as the tab.
  }
  for (const listener of listeners) listener();
}

export const session = {
  get: () => current,
  signIn: (token: string) => write({ token, orgId: null }),
  signOut: () => write({ token: null, orgId: null }),
  /** A refreshed token for the same person (Supabase refreshes its access token hourly). */
  replaceToken: (token: string) => write({ ...current, token }),
  switchOrg: (orgId: string) => write({ ...current, orgId }),
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useSession(): Session {
  return useSyncExternalStore(session.subscribe, session.get);
}
