#!/usr/bin/env node
// Container health check: exits 0 when GET /readyz answers 200 on this host, else 1.
// Usage: node bin/healthcheck.js [port]   (default: $PORT, else 4000). No dependencies, starts in ~50 ms.
const port = process.argv[2] ?? process.env.PORT ?? '4000';
const timeout = AbortSignal.timeout(2_500);
fetch(`http://127.0.0.1:${port}/readyz`, { signal: timeout }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
