import { z } from 'zod';
import type { AppServices } from '../core/context.ts';
import type { Viewer } from '../core/viewer.ts';
import { deletePushTarget, listPushTargets, upsertMobilePushTarget, upsertWebPushTarget, type PushTarget } from '../repositories/push-targets.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { publicUrlProblem } from './network-guard.ts';
import { parseInput } from './validation.ts';

const base64url = (what: string, min: number, max: number) =>
  z.string().trim().min(min).max(max).regex(/^[A-Za-z0-9_-]+=*$/, `must be the subscription's ${what} (base64url)`);

const webSchema = z.object({
  endpoint: z.url({ protocol: /^https$/, message: 'must be an https URL (the PushSubscription endpoint)' }).max(2048),
  p256dh: base64url('p256dh key', 40, 200),
  auth: base64url('auth secret', 8, 100),
});

/** Expo push tokens look like `ExponentPushToken[…]` (or `ExpoPushToken[…]`). */
const mobileSchema = z.object({
  token: z.string().trim().max(200).regex(/^Expo(nent)?PushToken\[[^\]]+\]$/, 'must be an Expo push token, e.g. ExponentPushToken[xxxx]'),
  platform: z.enum(['ios', 'android']),
});

/**
 * Registers the viewer's browser for web push. The endpoint is a URL the server posts to, so one on
 * a private or loopback network is refused unless PUSH_ALLOW_PRIVATE_NETWORKS=true. Registering the
 * same endpoint again refreshes its keys. Errors: ValidationError (`endpoint`, `p256dh`, `auth`).
 */
export async function addWebPushSubscription(services: Pick<AppServices, 'db' | 'config'>, viewer: Viewer, input: unknown): Promise<PushTarget> {
  const values = parseInput(webSchema, input);
  if (!services.config.push.allowPrivateNetworks) {
    const problem = await publicUrlProblem(new URL(values.endpoint));
    if (problem) throw new ValidationError([{ field: 'endpoint', message: problem }]);
  }
  return upsertWebPushTarget(services.db, viewer.user.id, values);
}

/** Registers an Expo push token of the viewer's phone. Errors: ValidationError (`token`, `platform`). */
export async function addMobilePushToken(services: Pick<AppServices, 'db'>, viewer: Viewer, input: unknown): Promise<PushTarget> {
  return upsertMobilePushTarget(services.db, viewer.user.id, parseInput(mobileSchema, input));
}

/** The viewer's own push targets (a person's, whatever organisation they are in). */
export function pushTargetsOf(services: Pick<AppServices, 'db'>, viewer: Viewer): Promise<PushTarget[]> {
  return listPushTargets(services.db, viewer.user.id);
}

/** Removes one of the viewer's targets. Errors: NotFoundError (none of theirs with that id). */
export async function removePushTarget(services: Pick<AppServices, 'db'>, viewer: Viewer, id: string): Promise<PushTarget> {
  const removed = await deletePushTarget(services.db, viewer.user.id, id);
  if (!removed) throw new NotFoundError('PushTarget');
  return removed;
}
