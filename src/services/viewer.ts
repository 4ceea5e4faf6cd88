import { decodeGlobalID } from '@pothos/plugin-relay';
import { AuthenticationError, orgNotFound } from '../auth/errors.ts';
import { API_KEY_PREFIX, sha256, TOKEN_ISSUER, unverifiedIssuer, verifyBuiltinToken } from '../auth/tokens.ts';
import { findActiveApiKey, touchApiKey } from '../repositories/api-keys.ts';
import type { Membership } from '../repositories/orgs.ts';
import type { User } from '../repositories/users.ts';
import { findUserWithMemberships } from '../repositories/viewer-lookup.ts';
import type { AppServices } from '../core/context.ts';
import type { Viewer } from '../core/viewer.ts';
import { ensureSupabaseUser } from './accounts.ts';

export interface Credentials {
  /** The bearer token, without "Bearer ". */
  token?: string;
  /** X-Tmates-Org: an Org global id or raw uuid. */
  org?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Accepts an Org global id or a raw uuid; anything else names no organisation. */
export function parseOrgSelector(value: string): string | undefined {
  if (UUID.test(value)) return value.toLowerCase();
  try {
    const { typename, id } = decodeGlobalID(value);
    return typename === 'Org' && UUID.test(id) ? id.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** `Authorization: Bearer <token>` → token; a malformed header is a refused credential, not anonymity. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AuthenticationError('Authorization header must be "Bearer <token>"');
  return match[1];
}

function pickOrg(memberships: Membership[], selector: string | undefined): Membership {
  if (selector === undefined) {
    const personal = memberships.find((m) => m.org.kind === 'personal') ?? memberships[0];
    if (!personal) throw orgNotFound();
    return personal;
  }
  const orgId = parseOrgSelector(selector);
  const membership = orgId ? memberships.find((m) => m.org.id === orgId) : undefined;
  if (!membership) throw orgNotFound();
  return membership;
}

/**
 * Turns credentials into a Viewer: null without a token; an AuthenticationError for a bad, expired
 * or revoked one. Runs for every operation (HTTP request, WebSocket subscribe), so revocation and
 * expiry take effect on the next operation.
 */
export async function authenticate(services: AppServices, credentials: Credentials): Promise<Viewer | null> {
  const { token } = credentials;
  if (!token) return null;
  const { db } = services;

  if (token.startsWith(API_KEY_PREFIX)) {
    const found = await findActiveApiKey(db, sha256(token));
    if (!found) throw new AuthenticationError('Invalid or revoked API key');
    const person = await findUserWithMemberships(db, found.key.createdBy);
    if (!person) throw new AuthenticationError('Invalid or revoked API key');
    const { user, memberships } = person;
    const membership = memberships.find((m) => m.org.id === found.key.orgId);
    if (!membership) throw new AuthenticationError('Invalid or revoked API key');
    if (credentials.org !== undefined && parseOrgSelector(credentials.org) !== found.key.orgId) throw orgNotFound();
    await touchApiKey(db, found.key.id);
    return {
      user,
      org: membership.org,
      role: found.role,
      via: 'api_key',
      apiKeyId: found.key.id,
      expiresAt: found.key.expiresAt ?? undefined,
    };
  }

  let person: { user: User; memberships: Membership[] } | undefined;
  let via: Viewer['via'];
  let expiresAt: Date;
  if (unverifiedIssuer(token) === TOKEN_ISSUER) {
    const verified = await verifyBuiltinToken(services.auth.secret, token);
    // The user and their memberships in one statement: this runs for every operation.
    person = await findUserWithMemberships(db, verified.userId);
    via = 'token';
    expiresAt = verified.expiresAt;
  } else if (services.auth.supabase) {
    const identity = await services.auth.supabase(token);
    const user = await ensureSupabaseUser(services, identity);
    person = user && (await findUserWithMemberships(db, user.id));
    via = 'supabase';
    expiresAt = identity.expiresAt;
  } else {
    throw new AuthenticationError('Invalid token');
  }
  if (!person) throw new AuthenticationError('Invalid token');
  const { user } = person;
  const membership = pickOrg(person.memberships, credentials.org);
  return { user, org: membership.org, role: membership.role, via, expiresAt };
}
