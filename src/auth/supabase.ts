import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError } from './errors.ts';

export interface SupabaseIdentity {
  /** Supabase user id (`sub`). */
  subject: string;
  email: string | undefined;
  displayName: string | undefined;
  avatarUrl: string | undefined;
  expiresAt: Date;
}

export interface SupabaseVerifierOptions {
  url?: string;
  jwtSecret?: string;
  /** Expected `aud`; Supabase signs user tokens for `authenticated`. */
  audience?: string;
  /** Test hook: a JWKS document instead of fetching one. */
  jwks?: Parameters<typeof createLocalJWKSet>[0];
}

export type SupabaseVerifier = (token: string) => Promise<SupabaseIdentity>;

/**
 * Verifies Supabase access tokens: asymmetric keys from the project's JWKS endpoint (cached by jose,
 * refetched when a token names an unknown `kid`), or the legacy shared HS256 secret. Expiry,
 * audience and issuer (`<SUPABASE_URL>/auth/v1`) are checked. Undefined when Supabase is not set up.
 */
export function createSupabaseVerifier(options: SupabaseVerifierOptions): SupabaseVerifier | undefined {
  if (!options.url && !options.jwtSecret) return undefined;
  const issuer = options.url ? `${options.url.replace(/\/$/, '')}/auth/v1` : undefined;
  const audience = options.audience ?? 'authenticated';
  const jwks: JWTVerifyGetKey | undefined = options.jwks
    ? createLocalJWKSet(options.jwks)
    : options.url
      ? createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), { cooldownDuration: 30_000, cacheMaxAge: 600_000 })
      : undefined;
  const secret = options.jwtSecret ? new TextEncoder().encode(options.jwtSecret) : undefined;

  return async (token) => {
    let payload: JWTPayload;
    try {
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: string };
      const common = { audience, ...(issuer ? { issuer } : {}), requiredClaims: ['sub', 'exp'] };
      if (header.alg === 'HS256') {
        if (!secret) throw new AuthenticationError('Invalid token');
        ({ payload } = await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] }));
      } else {
        if (!jwks) throw new AuthenticationError('Invalid token');
        ({ payload } = await jwtVerify(token, jwks, { ...common, algorithms: ['RS256', 'ES256', 'EdDSA'] }));
      }
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      throw new AuthenticationError(error instanceof errors.JWTExpired ? 'Token expired' : 'Invalid token');
    }
    const metadata = (payload.user_metadata ?? {}) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    return {
      subject: payload.sub!,
      email: text(payload.email)?.toLowerCase(),
      displayName: text(metadata.full_name) ?? text(metadata.name),
      avatarUrl: text(metadata.avatar_url),
      expiresAt: new Date(payload.exp! * 1000),
    };
  };
}
