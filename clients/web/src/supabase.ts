/**
 * Supabase sign-in, loaded only when the server offers it (serverInfo.signIn.supabase). supabase-js
 * keeps and refreshes the Supabase session; its access token is what Tmates receives as the bearer token.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { session } from './session.ts';

const SETTINGS_KEY = 'tmates.supabase';
let client: SupabaseClient | undefined;

function start(url: string, anonKey: string): SupabaseClient {
  if (client) return client;
  client = createClient(url, anonKey, { auth: { persistSession: true, autoRefreshToken: true } });
  localStorage.setItem(SETTINGS_KEY, JSON.stringify({ url, anonKey }));
  client.auth.onAuthStateChange((event, current) => {
    if (event === 'TOKEN_REFRESHED' && current) session.replaceToken(current.access_token);
    if (event === 'SIGNED_OUT') session.signOut();
  });
  return client;
}

/** Signs in (or up) with Supabase; resolves to an error message, or null once signed in. */
export async function supabaseSignIn(settings: { url: string; anonKey: string }, mode: 'in' | 'up', email: string, password: string): Promise<string | null> {
  const auth = start(settings.url, settings.anonKey).auth;
  const { data, error } = mode === 'in' ? await auth.signInWithPassword({ email, password }) : await auth.signUp({ email, password });
  if (error) return error.message;
  if (!data.session) return 'Check your email to confirm the account, then sign in.';
  session.signIn(data.session.access_token);
  return null;
}

/** After a reload: picks up a stored Supabase session so its token keeps being refreshed. */
export function resumeSupabase(): void {
  const stored = localStorage.getItem(SETTINGS_KEY);
  if (!stored) return;
  const { url, anonKey } = JSON.parse(stored) as { url: string; anonKey: string };
  void start(url, anonKey).auth.getSession();
}

export async function supabaseSignOut(): Promise<void> {
  await client?.auth.signOut();
  localStorage.removeItem(SETTINGS_KEY);
}
