import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { TestUser } from './accounts.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = path.join(root, 'clients/web/dist/index.html');

/** Debian's chromium (downloaded browser builds do not run here); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Browser tests run when chromium is installed. In CI (`CI` set) they always run, so a missing or
 * broken browser fails them instead of skipping them silently.
 */
export const browserTestsEnabled = existsSync(CHROMIUM_PATH) || Boolean(process.env.CI);

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds clients/web when its dist is missing or older than its sources or the generated documents.
 * In a child process, asynchronously: a server running in this process keeps serving meanwhile.
 */
export async function ensureWebBuilt(): Promise<void> {
  const sources = Math.max(
    newestMtime(path.join(root, 'clients/web/src')),
    newestMtime(path.join(root, 'clients/generated')),
    existsSync(path.join(root, 'clients/web/public')) ? newestMtime(path.join(root, 'clients/web/public')) : 0,
    statSync(path.join(root, 'clients/web/index.html')).mtimeMs,
  );
  if (existsSync(dist) && statSync(dist).mtimeMs >= sources) return;
  await promisify(execFile)(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build-web.ts', '--quiet'], { cwd: root });
}

/**
 * One headless chromium for a test file, closed after it. Playwright's `launch` gives it a fresh
 * temporary profile (user-data-dir) of its own and removes it on close.
 */
export function useBrowser(): { browser: Browser } {
  const state = {} as { browser: Browser };
  beforeAll(async () => {
    await ensureWebBuilt();
    state.browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await state.browser?.close();
  });
  return state;
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and warnings, and uncaught page errors, seen so far. */
  problems: string[];
  /** Dialogs (alert, confirm…) the page opened; an XSS payload would show here. */
  dialogs: string[];
}

/** A fresh browser context on the app, signed in as `user` (token in localStorage) when given. */
export async function openApp(
  browser: Browser,
  baseUrl: string,
  options: { user?: TestUser; orgId?: string; path?: string; viewport?: { width: number; height: number } } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: options.viewport ?? { width: 1280, height: 800 } });
  // Generous (the machine may be busy), and below the browser tests' own timeout, so a missing element
  // fails with its locator named rather than a bare test timeout.
  context.setDefaultTimeout(45_000);
  if (options.user) {
    const session = { token: options.user.token, org: options.orgId ?? null };
    await context.addInitScript((s) => {
      if (!sessionStorage.getItem('tmates.test.init')) {
        localStorage.setItem('tmates.token', s.token);
        if (s.org) localStorage.setItem('tmates.org', s.org);
        sessionStorage.setItem('tmates.test.init', '1');
      }
    }, session);
  }
  const page = await context.newPage();
  const problems: string[] = [];
  const dialogs: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(options.path ?? '/');
  return { context, page, problems, dialogs };
}
