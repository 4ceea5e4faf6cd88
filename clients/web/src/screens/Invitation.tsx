import { useEffect, useState } from 'react';
import { useClient, type Client } from 'urql';
import { Link } from 'wouter';
import { WebAcceptInvitationDocument } from '../../../generated/graphql.ts';
import { describeCombinedError } from '../errors.ts';
import { pendingInvitation } from '../invitation.ts';
import { session } from '../session.ts';
import { signOut } from '../sign-out.ts';

type Outcome =
  | { kind: 'joined'; orgId: string; orgName: string }
  | { kind: 'wrong-account'; message: string }
  | { kind: 'error'; message: string };

/**
 * One acceptance per (account, token): a remount (the shell reloads when the organisation switches)
 * or a second effect run reads the same outcome instead of accepting again.
 */
const outcomes = new Map<string, Promise<Outcome>>();

async function accept(client: Client, token: string): Promise<Outcome> {
  const result = await client.mutation(WebAcceptInvitationDocument, { token }).toPromise();
  const payload = result.data?.acceptInvitation;
  if (!payload) return { kind: 'error', message: describeCombinedError(result.error) ?? 'Could not accept the invitation.' };
  switch (payload.__typename) {
    case 'OrgPayload':
      return { kind: 'joined', orgId: payload.org.id, orgName: payload.org.name };
    case 'ForbiddenError':
      return { kind: 'wrong-account', message: payload.message };
    case 'NotFoundError':
      return { kind: 'error', message: 'This invitation link has expired, was already used or was withdrawn. Ask the person who invited you for a new one.' };
    case 'ValidationError':
      return { kind: 'error', message: 'This invitation link is incomplete. Open the whole link from the invitation email.' };
    default:
      return { kind: 'error', message: payload.message };
  }
}

/** `/invitations/:token`: joins the organisation the invitation is for, then switches to it. */
export default function Invitation({ token, email }: { token: string; email: string }) {
  const client = useClient();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    let current = true;
    const key = `${session.get().token}\n${token}`;
    let pending = outcomes.get(key);
    if (!pending) {
      pending = accept(client, token);
      outcomes.set(key, pending);
    }
    void pending.then((result) => {
      if (!current) return;
      setOutcome(result);
      // Signing in as the invited person is the way out of a wrong account: keep the token for it.
      if (result.kind !== 'wrong-account') pendingInvitation.clear();
      if (result.kind === 'joined' && session.get().orgId !== result.orgId) session.switchOrg(result.orgId);
    });
    return () => {
      current = false;
    };
    // Not on `client`: it changes when the organisation switches; the acceptance is per account and token.
  }, [token]);

  return (
    <section className="page invitation" aria-labelledby="invitation-title">
      <h1 id="invitation-title">Invitation</h1>
      {!outcome ? (
        <p role="status">Accepting the invitation…</p>
      ) : outcome.kind === 'joined' ? (
        <>
          <p role="status" className="notice">
            You joined {outcome.orgName}. It is now your current organisation.
          </p>
          <p>
            <Link href="/threads">Open its threads</Link> · <Link href="/team">Meet the team</Link>
          </p>
        </>
      ) : outcome.kind === 'wrong-account' ? (
        <>
          <p role="alert" className="error">
            This invitation was sent to another email address; you are signed in as {email}. Sign in with the invited
            address to join.
          </p>
          <button type="button" onClick={() => void signOut(client)}>
            Sign out and use the invited account
          </button>
        </>
      ) : (
        <>
          <p role="alert" className="error">
            {outcome.message}
          </p>
          <p>
            <Link href="/threads">Back to threads</Link>
          </p>
        </>
      )}
    </section>
  );
}
