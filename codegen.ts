import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for clients (web, mobile, CLI): `npm run codegen` reads the committed
 * schema.graphql (no running server needed) and the operations in clients/operations (shared: CLI,
 * mobile) and clients/web/src (the web app's, named `Web…`). Operation names must be unique across all.
 * `npm run codegen:check` (and test/web/codegen.test.ts) fails when the committed output is stale.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['clients/operations/**/*.graphql', 'clients/web/src/**/*.graphql'],
  ignoreNoDocuments: false,
  // ESM imports with .js extensions, as NodeNext resolution requires.
  emitLegacyCommonJSImports: false,
  generates: {
    'clients/generated/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', JSON: 'unknown', Upload: 'File | Blob' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
