/**
 * An invitation link (`/invitations/<token>`, from the invitation email) opened before signing in: the
 * token is kept in sessionStorage across the sign-in and sign-up screens, and accepted once signed in.
 */
const KEY = 'tmates.invitation';
const PATH = /^\/invitations\/([^/?#]+)/;

/** The token in a path such as `/invitations/<token>`, or null. */
export function invitationTokenIn(pathname: string): string | null {
  const match = PATH.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1]!;
  }
}

export const pendingInvitation = {
  get(): string | null {
    try {
      return sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  remember(token: string) {
    try {
      sessionStorage.setItem(KEY, token);
    } catch {
      // No storage: the token still is in the address bar.
    }
  },
  clear() {
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // Nothing kept.
    }
  },
};

// Opened at an invitation link: keep the token before anything else (the sign-in screen) can move away.
const opened = typeof location === 'undefined' ? null : invitationTokenIn(location.pathname);
if (opened) pendingInvitation.remember(opened);
