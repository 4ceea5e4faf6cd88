import type { Viewer } from '../core/viewer.ts';
import type { AppServices } from '../core/context.ts';


export type CredentialEndReason = 'api_key_revoked' | 'password_changed' | 'account_deleted';

/**
 * Announces, to every process, that credentials of `userId` stopped being valid: one API key
 * (`apiKeyId`), the credentials of some kinds (`via`: a password change ends built-in tokens), or
 * all of them (account deleted). Each open stream that uses one ends at once (server/stream-guard).
 * Call it after the change is committed: a stream that ends re-authenticates nothing.
 */
export async function endCredentials(
  services: AppServices,
  change: { userId: string; reason: CredentialEndReason; apiKeyId?: string; via?: Array<Viewer['via']> },
): Promise<void> {
  await services.bus.publish([{ kind: 'credentials_ended', ...change }]);
}
