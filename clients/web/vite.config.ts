import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes `.br` and `.gz` next to every text asset after a build, so `tmates serve` sends
 * precompressed bytes (maximum compression, paid once at build time) instead of compressing per request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'tmates-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const full = path.join(dir, entry.name);
          if (entry.isDirectory()) walk(full);
          else if (/\.(js|css|html|svg|json|txt|webmanifest)$/.test(entry.name)) {
            const bytes = readFileSync(full);
            writeFileSync(`${full}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
            writeFileSync(`${full}.gz`, gzipSync(bytes, { level: 9 }));
          }
        }
      };
      walk(outDir);
    },
  };
}

/** `npm run dev:web`: Vite with hot reload on :5173, proxying the API (HTTP and WebSocket) to a running server. */
const apiTarget = process.env.TMATES_API_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: path.dirname(new URL(import.meta.url).pathname),
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    port: 5173,
    proxy: {
      '/graphql': { target: apiTarget, ws: true, changeOrigin: true },
      '/files': { target: apiTarget, changeOrigin: true },
    },
  },
});
