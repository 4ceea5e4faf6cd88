import type { ApiKey } from '../repositories/api-keys.ts';
import { ApiKeyRef } from '../schema/api-keys.ts';
import { builder } from '../schema/builder.ts';
import { requireViewer } from '../core/context.ts';
import { createApiKey, revokeApiKey } from '../services/api-keys.ts';
import { ForbiddenError, NotFoundError, ValidationError } from '../services/errors.ts';

const CreateApiKeyPayload = builder.objectRef<{ apiKey: ApiKey; secret: string }>('CreateApiKeyPayload').implement({
  description: 'The new key and its secret. Store the secret now: it is never shown again.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The key.', resolve: (p) => p.apiKey }),
    secret: t.exposeString('secret', { description: 'Bearer credential (`tm_…`).' }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  description: 'A new API key for the current organisation.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'What it is for (1–100 characters).' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it should stop working (default: never).' }),
  }),
});

const RevokeApiKeyInput = builder.inputType('RevokeApiKeyInput', {
  description: 'A key to revoke: one you created, or any key of the organisation for owners and admins.',
  fields: (t) => ({ apiKeyId: t.globalID({ required: true, for: ApiKeyRef, description: 'The key.' }) }),
});

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreateApiKeyPayload,
    description: "Creates an API key acting for the current organisation with the creator's role.",
    errors: { types: [ValidationError, ForbiddenError] },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => createApiKey(ctx.services, requireViewer(ctx), input),
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes an API key; requests using it are refused from then on.',
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: RevokeApiKeyInput, required: true }) },
    resolve: (_root, { input }, ctx) => revokeApiKey(ctx.services, requireViewer(ctx), input.apiKeyId.id),
  }),
}));
