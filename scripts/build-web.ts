/**
 * Builds the web app (clients/web → clients/web/dist) with Vite. Runs on `npm install` (`prepare`)
 * and as `npm run build:web`. Where Vite is not installed (`npm ci --omit=dev`, e.g. the runtime
 * stage of the Docker image, which copies a dist built in an earlier stage) it says so and exits 0.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const configFile = fileURLToPath(new URL('../clients/web/vite.config.ts', import.meta.url));

if (!existsSync(configFile)) {
  console.log('build:web: clients/web is not here; nothing to build.');
  process.exit(0);
}
// Always a production build (React's production bundle), even when run from a test runner that set NODE_ENV=test.
process.env.NODE_ENV = 'production';
let vite: typeof import('vite');
try {
  vite = await import('vite');
} catch {
  console.log('build:web: Vite is not installed (production install); skipping the web app build.');
  process.exit(0);
}
await vite.build({ configFile, mode: 'production', root: fileURLToPath(new URL('../clients/web', import.meta.url)), logLevel: process.argv.includes('--quiet') ? 'warn' : 'info' });
console.log(`build:web: built ${root}clients/web/dist`);
