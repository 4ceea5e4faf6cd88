import { createHash, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AuthenticationError } from './errors.ts';

/** Issuer of built-in tokens; tokens with another issuer go to the Supabase verifier. */
export const TOKEN_ISSUER = 'tmates';
const AUDIENCE = 'tmates-api';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export async function issueToken(secret: string, userId: string, ttlSeconds: number): Promise<IssuedToken> {
  const key = new TextEncoder().encode(secret);
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(TOKEN_ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(randomBytes(9).toString('base64url'))
    .sign(key);
  return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
}

export interface VerifiedToken {
  userId: string;
  expiresAt: Date;
}

/**
 * Tokens whose signature was already checked, until they expire: a client sends the same token
 * with every request, and checking an HS256 signature through WebCrypto costs more than the rest
 * of authentication. Bounded; the oldest entries go first.
 */
const verified = new Map<string, VerifiedToken>();
const MAX_VERIFIED = 10_000;

/** The secret's digest, part of each cache key (so a changed secret verifies afresh); one secret per process, so computed once. */
let secretDigest: { secret: string; digest: string } | undefined;

export async function verifyBuiltinToken(secret: string, token: string): Promise<VerifiedToken> {
  if (secretDigest?.secret !== secret) secretDigest = { secret, digest: createHash('sha256').update(secret).digest('base64url') };
  const key = `${secretDigest.digest}:${token}`;
  const known = verified.get(key);
  if (known && known.expiresAt.getTime() > Date.now()) return known;
  verified.delete(key);
  const result = await verifySignature(secret, token);
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
  verified.set(key, result);
  return result;
}

async function verifySignature(secret: string, token: string): Promise<VerifiedToken> {
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      issuer: TOKEN_ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['sub', 'exp'],
    });
    return { userId: payload.sub!, expiresAt: new Date(payload.exp! * 1000) };
  } catch (error) {
    throw new AuthenticationError(error instanceof errors.JWTExpired ? 'Token expired' : 'Invalid token');
  }
}

/** Reads the issuer without verifying, only to pick which verifier applies. */
export function unverifiedIssuer(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof claims.iss === 'string' ? claims.iss : undefined;
  } catch {
    return undefined;
  }
}

/** API keys and invitation tokens are random and long, so a fast hash is enough to store them. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export const API_KEY_PREFIX = 'tm_';

export function generateApiKey(): { secret: string; prefix: string; hash: string } {
  const secret = `${API_KEY_PREFIX}${randomBytes(30).toString('base64url')}`;
  return { secret, prefix: secret.slice(0, 11), hash: sha256(secret) };
}

export function generateInvitationToken(): { token: string; hash: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, hash: sha256(token) };
}
