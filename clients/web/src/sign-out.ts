/**
 * Signing out: this browser stops receiving the person's push notifications (someone else may sign in
 * here next), a Supabase session ends, and the session is cleared (back to the sign-in screen).
 */
import type { Client } from 'urql';
import { WebPushTargetsDocument, WebRemovePushTargetDocument } from '../../generated/graphql.ts';
import { forgetThisDevice } from './push.ts';
import { session } from './session.ts';

export async function signOut(client: Client): Promise<void> {
  await forgetThisDevice(async (endpoint) => {
    const targets = await client.query(WebPushTargetsDocument, {}, { requestPolicy: 'network-only' }).toPromise();
    const target = targets.data?.pushTargets.find((t) => t.endpoint === endpoint);
    if (target) await client.mutation(WebRemovePushTargetDocument, { id: target.id }).toPromise();
  });
  if (localStorage.getItem('tmates.supabase')) void import('./supabase.ts').then((m) => m.supabaseSignOut());
  session.signOut();
}
