import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { WebSignInDocument, WebSignInMethodsDocument, WebSignUpDocument } from '../../../generated/graphql.ts';
import { describeCombinedError } from '../errors.ts';
import { pendingInvitation } from '../invitation.ts';
import { session } from '../session.ts';

/** Sign up or sign in with a built-in account; the token is kept in localStorage. */
export function SignIn() {
  const [mode, setMode] = useState<'in' | 'up'>('up');
  const [error, setError] = useState<string | null>(null);
  const [, signUp] = useMutation(WebSignUpDocument);
  const [, signIn] = useMutation(WebSignInDocument);
  const [busy, setBusy] = useState(false);
  const [{ data: methods }] = useQuery({ query: WebSignInMethodsDocument });
  const supabase = methods?.serverInfo.signIn.supabase ?? null;
  const [provider, setProvider] = useState<'builtin' | 'supabase'>('builtin');

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email') ?? '');
    const password = String(form.get('password') ?? '');
    setBusy(true);
    setError(null);
    try {
      if (provider === 'supabase' && supabase) {
        const { supabaseSignIn } = await import('../supabase.ts');
        setError(await supabaseSignIn(supabase, mode, email, password));
      } else if (mode === 'up') {
        const result = await signUp({ input: { email, password, displayName: String(form.get('displayName') ?? '') } });
        const payload = result.data?.signUp;
        if (payload?.__typename === 'AuthPayload') return session.signIn(payload.token);
        setError(
          // A ValidationError's message already names each issue.
          payload && 'message' in payload ? payload.message : describeCombinedError(result.error),
        );
      } else {
        const result = await signIn({ input: { email, password } });
        const payload = result.data?.signIn;
        if (payload?.__typename === 'AuthPayload') return session.signIn(payload.token);
        setError(payload && 'message' in payload ? payload.message : describeCombinedError(result.error));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <h1>Tmates</h1>
      <p>Your AI teammates, in one place.</p>
      {pendingInvitation.get() && (
        <p role="status" className="notice">
          You were invited to join an organisation. Sign in, or create an account, with the email address the invitation
          was sent to; you join as soon as you are in.
        </p>
      )}
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h2 id="signin-title">{mode === 'up' ? 'Create an account' : 'Welcome back'}</h2>
        {supabase && (
          <>
            <label htmlFor="signin-provider">Account</label>
            <select id="signin-provider" value={provider} onChange={(e) => setProvider(e.target.value as 'builtin' | 'supabase')}>
              <option value="builtin">Tmates account</option>
              <option value="supabase">Supabase account</option>
            </select>
          </>
        )}
        {mode === 'up' && provider === 'builtin' && (
          <label>
            Display name
            <input name="displayName" autoComplete="name" required maxLength={100} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete={mode === 'up' ? 'new-password' : 'current-password'} required minLength={mode === 'up' ? 10 : undefined} aria-describedby={mode === 'up' ? 'password-hint' : undefined} />
        </label>
        {mode === 'up' && (
          <p id="password-hint" className="muted">
            At least 10 characters.
          </p>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {mode === 'up' ? 'Sign up' : 'Sign in'}
        </button>
      </form>
      <p>
        {mode === 'up' ? 'Already have an account?' : 'New here?'}{' '}
        <button type="button" className="link" onClick={() => setMode(mode === 'up' ? 'in' : 'up')}>
          {mode === 'up' ? 'Sign in' : 'Sign up'}
        </button>
      </p>
    </main>
  );
}
