import { fileURLToPath } from 'node:url';

/** Where the generated Kysely table types live. */
export const schemaTypesFile = fileURLToPath(new URL('./schema.ts', import.meta.url));

/** kysely-codegen flags shared by `npm run db:types` and the test that checks the file is current. */
export function kyselyCodegenArgs(url: string, extra: string[] = []): string[] {
  return [
    '--dialect',
    'postgres',
    '--url',
    url,
    '--out-file',
    schemaTypesFile,
    '--exclude-pattern',
    '{graphile_worker.*,graphile_worker._*,public.kysely_*}',
    '--log-level',
    'warn',
    ...extra,
  ];
}
