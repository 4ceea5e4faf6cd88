/**
 * Prints the Pothos schema to schema.graphql, or with --check fails when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchemaSdl } from '../src/server/schema.ts';

const file = fileURLToPath(new URL('../schema.graphql', import.meta.url));
const sdl = printSchemaSdl();
if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // missing file is stale too
  }
  if (committed !== sdl) {
    console.error('schema.graphql is stale: run `npm run schema:print` and commit the result.');
    process.exit(1);
  }
  console.log('schema.graphql is up to date.');
} else {
  writeFileSync(file, sdl);
  console.log(`wrote ${file}`);
}
