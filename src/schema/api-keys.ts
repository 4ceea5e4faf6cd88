import type { ApiKey } from '../repositories/api-keys.ts';
import { findVisibleApiKeys } from '../services/api-keys.ts';
import { builder } from './builder.ts';
import { UserRef } from './users.ts';

export const ApiKeyRef = builder.loadableNode('ApiKey', {
  description:
    'A key for integrators and the CLI. It acts for its organisation with its creator\'s role. Only a hash is stored; the secret is shown once, at creation.',
  id: { resolve: (key: ApiKey) => key.id },
  sort: (key) => key.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findVisibleApiKeys(ctx.services, ctx.viewer, ids) : Promise.resolve([])),
  fields: (t) => ({
    name: t.exposeString('name', { description: 'What the key is for.' }),
    prefix: t.exposeString('prefix', { description: 'First characters of the secret, to recognise it.' }),
    createdBy: t.field({ type: UserRef, nullable: true, description: 'Who created it.', resolve: (k) => k.createdBy }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Last use (to the minute).' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it stops working, if ever.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked, if it was.' }),
  }),
});
