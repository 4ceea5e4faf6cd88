import { z } from 'zod';
import { AuthenticationError } from '../auth/errors.ts';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/passwords.ts';
import type { SupabaseIdentity } from '../auth/supabase.ts';
import { issueToken, type IssuedToken } from '../auth/tokens.ts';
import type { Executor } from '../db/database.ts';
import { insertMember, insertOrg } from '../repositories/orgs.ts';
import {
  findCredentialsByEmail,
  findUserByEmail,
  findUserByExternalId,
  insertUser,
  linkExternalId,
  lockExternalId,
  type User,
} from '../repositories/users.ts';
import type { AppServices } from '../core/context.ts';
import { ConflictError, InvalidCredentialsError } from './errors.ts';
import { hireStarterTeammates } from './teammates.ts';
import { ensureDefaultThread, openDirectThreadWithGreeting } from './threads.ts';
import { parseInput } from './validation.ts';
import { textSchema } from './text.ts';

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: 'must be an email address' }).max(320));
const displayNameSchema = textSchema({ max: 100 });
const passwordSchema = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(200, 'must be at most 200 characters');

export interface AuthResult extends IssuedToken {
  user: User;
}

/**
 * The first sight of a user: their personal organisation (they own it) with the catalog's starter
 * teammate hired, the team chat, and a direct thread where the starter says hello — all in the
 * same transaction, so no user ever exists without them.
 */
async function provisionPersonalOrg(trx: Executor, user: User): Promise<void> {
  const org = await insertOrg(trx, { name: user.displayName, kind: 'personal', personalOwnerId: user.id });
  await insertMember(trx, org.id, user.id, 'owner');
  const starters = await hireStarterTeammates(trx, org.id, user.id);
  await ensureDefaultThread(trx, org.id, user.id);
  for (const starter of starters) await openDirectThreadWithGreeting(trx, starter, user);
}

async function createUser(
  services: Pick<AppServices, 'db'>,
  values: Parameters<typeof insertUser>[1],
): Promise<User | undefined> {
  return services.db.transaction().execute(async (trx) => {
    const user = await insertUser(trx, values);
    if (user) await provisionPersonalOrg(trx, user);
    return user;
  });
}

export function tokenFor(services: Pick<AppServices, 'auth' | 'config'>, user: User): Promise<AuthResult> {
  return issueToken(services.auth.secret, user.id, services.config.tokenTtlSeconds).then((t) => ({ ...t, user }));
}

export async function signUp(services: AppServices, input: unknown): Promise<AuthResult> {
  const { email, password, displayName } = parseInput(
    z.object({ email: emailSchema, password: passwordSchema, displayName: displayNameSchema }),
    input,
  );
  const user = await createUser(services, { email, displayName, passwordHash: await hashPassword(password) });
  if (!user) throw new ConflictError('An account with this email already exists; sign in instead');
  services.logger.info({ userId: user.id }, 'user signed up');
  return tokenFor(services, user);
}

export async function signIn(services: AppServices, input: unknown): Promise<AuthResult> {
  const { email, password } = parseInput(z.object({ email: emailSchema, password: z.string().min(1).max(200) }), input);
  const found = await findCredentialsByEmail(services.db, email);
  // Same work whether or not the account exists, so timing does not tell which emails have one.
  const ok = await verifyPassword(found?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!found?.passwordHash || !ok) throw new InvalidCredentialsError();
  return tokenFor(services, found.user);
}

/** The user with this email, created (with a personal org) when new — for `tmates token`. */
export async function ensureUserByEmail(services: AppServices, email: string, displayName?: string): Promise<User> {
  const parsed = parseInput(z.object({ email: emailSchema }), { email }).email;
  const existing = await findUserByEmail(services.db, parsed);
  if (existing) return existing;
  const created = await createUser(services, { email: parsed, displayName: displayName ?? parsed.split('@')[0]! });
  return created ?? (await findUserByEmail(services.db, parsed))!;
}

/**
 * Maps a verified Supabase identity to a user, creating one (with a personal org) on first sight.
 * An existing account with the same email is linked only if it has no password of its own and no
 * other external identity — otherwise the token is refused rather than merging two people.
 */
export async function ensureSupabaseUser(services: AppServices, identity: SupabaseIdentity): Promise<User> {
  const { db } = services;
  const known = await findUserByExternalId(db, identity.subject);
  if (known) return known;
  const email = identity.email ?? `${identity.subject}@users.supabase.invalid`;
  const created = await createUser(services, {
    email,
    displayName: identity.displayName ?? email.split('@')[0]!,
    avatarUrl: identity.avatarUrl ?? null,
    externalId: identity.subject,
  });
  if (created) return created;
  // Lost a race with a concurrent first request, or the email belongs to an existing account.
  const raced = await findUserByExternalId(db, identity.subject);
  if (raced) return raced;
  const byEmail = await findCredentialsByEmail(db, email);
  if (byEmail && !byEmail.passwordHash) {
    const linked = await db.transaction().execute(async (trx) => {
      const externalId = await lockExternalId(trx, byEmail.user.id);
      if (externalId && externalId !== identity.subject) return false;
      await linkExternalId(trx, byEmail.user.id, identity.subject);
      return true;
    });
    if (linked) return byEmail.user;
  }
  throw new AuthenticationError('This email belongs to another account; sign in with its password');
}
