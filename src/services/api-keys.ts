import { z } from 'zod';
import { generateApiKey } from '../auth/tokens.ts';
import { findApiKeysInOrg, insertApiKey, listApiKeys, revokeApiKeyRow, type ApiKey } from '../repositories/api-keys.ts';
import type { AppServices } from '../core/context.ts';
import { endCredentials } from './credentials.ts';
import { ForbiddenError, NotFoundError } from './errors.ts';
import { parseInput } from './validation.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { textSchema } from './text.ts';

/** Creates a key for the current organisation; the secret is returned here once and never again. */
export async function createApiKey(
  services: Pick<AppServices, 'db'>,
  viewer: Viewer,
  input: unknown,
): Promise<{ apiKey: ApiKey; secret: string }> {
  const { name, expiresAt } = parseInput(
    z.object({
      name: textSchema({ max: 100 }),
      expiresAt: z
        .date()
        .refine((d) => d.getTime() > Date.now(), { message: 'must be in the future' })
        .nullish(),
    }),
    input,
  );
  if (viewer.via === 'api_key') throw new ForbiddenError('API keys cannot create API keys; sign in as a person');
  const { secret, prefix, hash } = generateApiKey();
  const apiKey = await insertApiKey(services.db, {
    orgId: viewer.org.id,
    createdBy: viewer.user.id,
    name,
    prefix,
    hash,
    expiresAt: expiresAt ?? null,
  });
  return { apiKey, secret };
}

/** Keys of the current organisation the viewer may see: all for owners/admins, their own otherwise. */
export function visibleApiKeys(services: Pick<AppServices, 'db'>, viewer: Viewer): Promise<ApiKey[]> {
  return listApiKeys(services.db, viewer.org.id, canManageOrg(viewer.role) ? undefined : viewer.user.id);
}

export async function findVisibleApiKeys(services: Pick<AppServices, 'db'>, viewer: Viewer, ids: readonly string[]): Promise<ApiKey[]> {
  const keys = await findApiKeysInOrg(services.db, viewer.org.id, ids);
  return keys.filter((k) => canManageOrg(viewer.role) || k.createdBy === viewer.user.id);
}

export async function revokeApiKey(services: AppServices, viewer: Viewer, apiKeyId: string): Promise<ApiKey> {
  const [key] = await findVisibleApiKeys(services, viewer, [apiKeyId]);
  if (!key) throw new NotFoundError('ApiKey');
  const revoked = await revokeApiKeyRow(services.db, key.id);
  // Streams opened with the key end now, in every process (new operations are refused already).
  await endCredentials(services, { userId: key.createdBy, apiKeyId: key.id, reason: 'api_key_revoked' });
  return revoked;
}
