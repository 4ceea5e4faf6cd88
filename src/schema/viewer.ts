import { membershipsOfUser } from '../repositories/orgs.ts';
import { visibleApiKeys } from '../services/api-keys.ts';
import { loadUserSettings } from '../services/settings.ts';
import type { Viewer } from '../core/viewer.ts';
import { ApiKeyRef } from './api-keys.ts';
import { builder } from './builder.ts';
import { OrgRef, OrgRoleEnum } from './orgs.ts';
import { UserRef, UserSettingsRef } from './users.ts';

export const AuthMethodEnum = builder.enumType('AuthMethod', {
  description: 'How the caller proved who they are.',
  values: {
    TOKEN: { value: 'token', description: 'A built-in token from signUp/signIn (or `tmates token`).' },
    SUPABASE: { value: 'supabase', description: 'A Supabase access token.' },
    API_KEY: { value: 'api_key', description: 'An API key.' },
  } as const,
});

export const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'The signed-in caller and the organisation this request acts in (X-Tmates-Org; default: personal).',
  fields: (t) => ({
    user: t.field({ type: UserRef, description: 'The person.', resolve: (v) => v.user }),
    orgs: t.field({
      type: [OrgRef],
      description: 'Every organisation they belong to, personal first.',
      resolve: async (v, _args, ctx) => (await membershipsOfUser(ctx.db, v.user.id)).map((m) => m.org),
    }),
    currentOrg: t.field({ type: OrgRef, description: 'The organisation this request acts in.', resolve: (v) => v.org }),
    role: t.field({ type: OrgRoleEnum, description: 'Their role in the current organisation.', resolve: (v) => v.role }),
    authMethod: t.field({ type: AuthMethodEnum, description: 'How they signed in.', resolve: (v) => v.via }),
    tokenExpiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the presented credential expires (refresh built-in tokens before then).',
    }),
    settings: t.field({
      type: UserSettingsRef,
      description: 'Their preferences.',
      resolve: (v, _args, ctx) => loadUserSettings(ctx.services, v.user.id),
    }),
    apiKeys: t.field({
      type: [ApiKeyRef],
      description: 'API keys of the current organisation: all of them for owners and admins, their own for members.',
      resolve: (v, _args, ctx) => visibleApiKeys(ctx.services, v),
    }),
  }),
});
