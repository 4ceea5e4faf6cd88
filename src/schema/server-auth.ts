import { builder } from './builder.ts';
import { ServerInfoRef } from './server-info.ts';

/** Public Supabase project settings a browser needs to sign people in with supabase-js. */
interface SupabaseSignIn {
  url: string;
  anonKey: string;
}

const SupabaseSignInRef = builder.objectRef<SupabaseSignIn>('SupabaseSignIn').implement({
  description:
    'The Supabase project this server accepts sign-ins from. Both values are public by design (the anon key is meant for browsers); send the session\u2019s access token as `Authorization: Bearer`.',
  fields: (t) => ({
    url: t.exposeString('url', { description: 'Project URL (`SUPABASE_URL`).' }),
    anonKey: t.exposeString('anonKey', { description: 'Public anon key (`SUPABASE_ANON_KEY`).' }),
  }),
});

/** How people can sign in to this server: built-in accounts always; Supabase when it is configured. */
const SignInMethodsRef = builder.objectRef<{ supabase: SupabaseSignIn | null }>('SignInMethods').implement({
  description: 'How people can sign in to this server. Needs no sign-in to read.',
  fields: (t) => ({
    builtIn: t.boolean({ description: 'Built-in accounts (`signUp`, `signIn`) are accepted.', resolve: () => true }),
    supabase: t.field({
      type: SupabaseSignInRef,
      nullable: true,
      description: 'Supabase sign-in, when `SUPABASE_URL` and `SUPABASE_ANON_KEY` are set; null otherwise.',
      resolve: (methods) => methods.supabase,
    }),
  }),
});

builder.objectField(ServerInfoRef, 'signIn', (t) =>
  t.field({
    type: SignInMethodsRef,
    description: 'How people can sign in (what a sign-in screen should offer).',
    resolve: (_info, _args, ctx) => {
      const { url, anonKey } = ctx.services.config.supabase;
      return { supabase: url && anonKey ? { url, anonKey } : null };
    },
  }),
);
