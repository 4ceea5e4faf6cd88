import { GraphQLError } from 'graphql';
import type { AuthResult } from '../services/accounts.ts';
import { signIn, signUp, tokenFor } from '../services/accounts.ts';
import { ConflictError, InvalidCredentialsError, ValidationError } from '../services/errors.ts';
import { builder } from '../schema/builder.ts';
import { UserRef } from '../schema/users.ts';
import { requireViewer } from '../core/context.ts';

const AuthPayload = builder.objectRef<AuthResult>('AuthPayload').implement({
  description: 'A sign-in token and whose it is. Send it as `Authorization: Bearer <token>`.',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'Bearer token for HTTP, SSE and graphql-ws `connectionParams`.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When it stops working; call refreshToken before.' }),
    user: t.field({ type: UserRef, description: 'The signed-in person.', resolve: (r) => r.user }),
  }),
});

const SignUpInput = builder.inputType('SignUpInput', {
  description: 'A new built-in account.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'Email address; used to sign in.' }),
    password: t.string({ required: true, description: 'At least 10 characters; stored as an argon2id hash.' }),
    displayName: t.string({ required: true, description: 'Name shown to others (1–100 characters).' }),
  }),
});

const SignInInput = builder.inputType('SignInInput', {
  description: 'Credentials of a built-in account.',
  fields: (t) => ({
    email: t.string({ required: true, description: 'Email address.' }),
    password: t.string({ required: true, description: 'Password.' }),
  }),
});

builder.mutationFields((t) => ({
  signUp: t.field({
    type: AuthPayload,
    description: 'Creates a built-in account with its personal organisation, and signs in.',
    errors: { types: [ValidationError, ConflictError] },
    args: { input: t.arg({ type: SignUpInput, required: true }) },
    resolve: (_root, { input }, ctx) => signUp(ctx.services, input),
  }),
  signIn: t.field({
    type: AuthPayload,
    description: 'Signs in to a built-in account.',
    errors: { types: [ValidationError, InvalidCredentialsError] },
    args: { input: t.arg({ type: SignInInput, required: true }) },
    resolve: (_root, { input }, ctx) => signIn(ctx.services, input),
  }),
  refreshToken: t.field({
    type: AuthPayload,
    description: 'Exchanges a valid built-in token for a fresh one (new expiry). Expired tokens need signIn.',
    errors: { types: [] },
    resolve: (_root, _args, ctx) => {
      const viewer = requireViewer(ctx);
      if (viewer.via !== 'token') {
        throw new GraphQLError('Only built-in tokens can be refreshed', { extensions: { code: 'BAD_REQUEST' } });
      }
      return tokenFor(ctx.services, viewer.user);
    },
  }),
}));
