import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for clients (web, mobile, CLI): `npm run codegen` reads the committed
 * schema.graphql (no running server needed) and the operations in clients/operations.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['clients/operations/**/*.graphql'],
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
