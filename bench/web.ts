/**
 * The web app's first load, as a browser sees it from `tmates serve` on localhost (embedded database):
 *   bytes  = gzip/brotli bytes of JS and CSS transferred for the first load of `/` (empty cache),
 *            signed out (the sign-in page) and signed in (up to the thread list), against the 200 kB budget;
 *   paint  = navigation start → the thread list painted (first list item in the DOM, then a frame),
 *            against a baseline measured in the same run: navigation start → load of `/healthz`
 *            (same server, same browser, no app), so the ratio is the app's own cost.
 * Needs Debian's chromium (CHROMIUM_PATH overrides). Usage: npm run bench:web [-- --runs 7]
 */
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH, ensureWebBuilt } from '../test/helpers/browser.ts';
import { spawnTmates } from '../test/helpers/process.ts';
import { gql, percentile } from './common.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const BUDGET = 200 * 1024;
const dist = fileURLToPath(new URL('../clients/web/dist', import.meta.url));

await ensureWebBuilt();
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-bench-web-'));
chmodSync(home, 0o755);
const proc = spawnTmates(['serve', '--no-worker'], { TMATES_HOME: home, PORT: '0', LOG_LEVEL: 'warn' });
let browser: Browser | undefined;
try {
  const [, url] = await proc.waitFor(/GraphQL \(HTTP, SSE, WebSocket\): (\S+)/);
  const base = url!.replace(/\/graphql$/, '');
  const signUp = await gql(url!, '', 'mutation($i: SignUpInput!) { signUp(input: $i) { ... on AuthPayload { token } } }', {
    i: { email: `bench-${Date.now()}@example.com`, password: 'correct horse battery', displayName: 'Bench' },
  });
  const token = signUp.signUp.token as string;
  for (const key of ['researcher', 'analyst', 'writer', 'coordinator']) {
    const hired = await gql(url!, token, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key });
    await gql(url!, token, 'mutation($t: ID!) { createThread(input: { kind: DIRECT, teammateIds: [$t] }) { __typename } }', { t: hired.hireTeammate.id });
  }

  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  /** One cold load in a fresh context: JS+CSS bytes on the wire, and navigation → thread list painted. */
  async function load(signedIn: boolean): Promise<{ bytes: number; gzip: number; files: number; paintMs: number }> {
    const context = await browser!.newContext();
    if (signedIn) await context.addInitScript((t) => localStorage.setItem('tmates.token', t), token);
    await context.addInitScript(() => {
      const w = window as unknown as { __painted?: number };
      new MutationObserver((_m, observer) => {
        if (document.querySelector('.thread-list li a, form button[type="submit"]')) {
          observer.disconnect();
          requestAnimationFrame(() => (w.__painted = performance.now()));
        }
      }).observe(document, { subtree: true, childList: true });
    });
    const page = await context.newPage();
    const sizes: Array<Promise<number>> = [];
    const paths: string[] = [];
    page.on('requestfinished', (request) => {
      if (!['script', 'stylesheet'].includes(request.resourceType())) return;
      sizes.push(request.sizes().then((s) => s.responseBodySize));
      paths.push(new URL(request.url()).pathname);
    });
    await page.goto(`${base}/`);
    await page.waitForFunction(() => (window as unknown as { __painted?: number }).__painted !== undefined, null, { timeout: 30_000 });
    const paintMs = await page.evaluate(() => (window as unknown as { __painted: number }).__painted);
    await page.waitForLoadState('networkidle');
    const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    // Chromium takes brotli; what a gzip-only client would get is the build's .gz of the same files.
    const gzip = paths.reduce((sum, p) => sum + statSync(path.join(dist, `${p}.gz`)).size, 0);
    await context.close();
    return { bytes, gzip, files: sizes.length, paintMs };
  }

  async function baseline(): Promise<number> {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/healthz`);
    const ms = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd);
    await context.close();
    return ms;
  }

  await load(true); // warm the server (first queries, JIT), not counted
  const out = await load(false);
  const paints: number[] = [];
  const floors: number[] = [];
  let inBytes = 0;
  let inGzip = 0;
  let inFiles = 0;
  for (let i = 0; i < runs; i += 1) {
    floors.push(await baseline());
    const run = await load(true);
    paints.push(run.paintMs);
    inBytes = run.bytes;
    inGzip = run.gzip;
    inFiles = run.files;
  }
  paints.sort((a, b) => a - b);
  floors.sort((a, b) => a - b);
  const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  const median = (xs: number[]) => percentile(xs, 50);
  console.log(`web app first load from tmates serve on localhost, ${runs} cold runs (${os.cpus().length} cores, node ${process.version})`);
  const line = (label: string, bytes: number, gzip: number, files: number) =>
    console.log(`JS+CSS, ${label}: ${kB(bytes)} brotli on the wire (${(bytes / BUDGET).toFixed(2)} × budget), ${kB(gzip)} gzip (${(gzip / BUDGET).toFixed(2)} × the 200 kB budget), ${files} files`);
  line('signed out (sign-in page)', out.bytes, out.gzip, out.files);
  line('signed in (thread list)  ', inBytes, inGzip, inFiles);
  console.log(`navigation → thread list painted: median ${median(paints).toFixed(0)} ms (min ${paints[0]!.toFixed(0)}, max ${paints.at(-1)!.toFixed(0)})`);
  console.log(`baseline, navigation → /healthz loaded: median ${median(floors).toFixed(0)} ms`);
  console.log(`ratio (thread list / baseline): ${(median(paints) / Math.max(median(floors), 1)).toFixed(1)}×`);
} finally {
  await browser?.close();
  proc.child.kill('SIGTERM');
  await proc.exited;
  rmSync(home, { recursive: true, force: true });
}
