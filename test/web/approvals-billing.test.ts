/**
 * The web parts of people in the loop (issue 17) and billing (issue 16), in a real browser (Debian
 * chromium via playwright-core) against the real server: tool approvals in a thread (Approve, Edit,
 * Reject) and the badge across threads, with the OpenAI-wire fake model scripting a `remember` tool
 * call; the offline model's SVG drawn by the illustrator shown inline; the Billing page with billing
 * off, and with the Stripe-wire fake (Upgrade redirects to the checkout session's url).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, send, useServerWithFakeModel } from '../helpers/agents.ts';
import { browserTestsEnabled, openApp, useBrowser } from '../helpers/browser.ts';
import { startFakeStripe, type FakeStripe } from '../helpers/fake-stripe.ts';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { memoriesWith, setPolicy } from '../approvals/helpers.ts';

const PUBLIC_URL = 'https://tmates.example.test';
const remember = (content: string) => ({ kind: 'tools' as const, calls: [{ name: 'remember', arguments: JSON.stringify({ content }) }] });
const origin = (server: TestServer) => server.url.replace(/\/graphql$/, '');
const noHorizontalScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe.skipIf(!browserTestsEnabled)('web: people in the loop and billing off (fake model)', { timeout: 120_000 }, () => {
  const chrome = useBrowser();
  const ctx = useServerWithFakeModel({ MODEL_MAX_RETRIES: '0' });

  it('shows a pending approval with its arguments; Edit rejects bad JSON, then approves the edit and the reply completes', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Web Approver');
    expect((await setPolicy(server, user, { tool: 'remember', policy: 'ASK' })).__typename).toBe('ToolPolicySetting');
    const thread = await directThreadOf(server, user);
    const { page, problems, context } = await openApp(chrome.browser, origin(server), { user, path: `/threads/${thread}` });
    try {
      await page.getByRole('textbox', { name: 'Message' }).waitFor();
      fake.enqueue(remember('The launch is on Friday'), { kind: 'text', chunks: ['Noted, ', 'the launch is Saturday.'] });
      await page.getByRole('textbox', { name: 'Message' }).fill('Remember that the launch is on Friday');
      await page.getByRole('textbox', { name: 'Message' }).press('Enter');

      const pending = page.getByRole('region', { name: 'Waiting for approval' });
      const card = pending.getByRole('article').filter({ hasText: 'wants to use remember' });
      await card.waitFor();
      expect(await card.getByLabel('Arguments').textContent()).toBe(JSON.stringify({ content: 'The launch is on Friday' }, null, 2));
      // Waiting, not typing; the badge in the sidebar counts it.
      await page.getByText(/is waiting for approval\./).waitFor();
      expect(await page.getByText(/typing…/).count()).toBe(0);
      await page.getByRole('navigation', { name: 'Main' }).getByLabel('1 waiting for approval').waitFor();

      // At 375 px the card and its long JSON fit without horizontal scrolling.
      await page.setViewportSize({ width: 375, height: 740 });
      await card.getByRole('button', { name: 'Approve' }).waitFor();
      expect(await noHorizontalScroll(page)).toBe(true);
      await page.setViewportSize({ width: 1280, height: 800 });

      await card.getByRole('button', { name: 'Edit' }).click();
      const editor = card.getByRole('textbox', { name: 'Arguments (JSON)' });
      await editor.fill('{ "content": ');
      await card.getByRole('button', { name: 'Approve with these arguments' }).click();
      await card.getByRole('alert').filter({ hasText: 'not valid JSON' }).waitFor();
      expect(await memoriesWith(server, 'The launch is on Friday')).toBe(0);

      await editor.fill(JSON.stringify({ content: 'The launch is on Saturday' }));
      await card.getByRole('button', { name: 'Approve with these arguments' }).click();
      await card.waitFor({ state: 'detached' });
      const reply = page.getByRole('article').filter({ hasText: 'Noted, the launch is Saturday.' });
      await waitFor(async () => (await reply.getAttribute('data-status')) === 'COMPLETE', 20_000);
      await page.getByRole('navigation', { name: 'Main' }).getByLabel(/waiting for approval/).waitFor({ state: 'detached' });
      expect(await memoriesWith(server, 'The launch is on Saturday')).toBe(1);
      expect(await memoriesWith(server, 'The launch is on Friday')).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('counts an approval asked elsewhere in the sidebar badge, live and after a reload; Reject with a reason makes the teammate answer', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Web Rejecter');
    await setPolicy(server, user, { tool: 'remember', policy: 'ASK' });
    const thread = await directThreadOf(server, user);
    const { page, problems, context } = await openApp(chrome.browser, origin(server), { user, path: '/files' });
    try {
      await page.getByRole('heading', { name: 'Files' }).first().waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });
      await waitFor(async () => server.app.services.bus.listenerCount() > 0, 20_000);
      fake.enqueue(remember('My card number'), { kind: 'text', chunks: ['Understood, ', 'I will not keep it.'] });
      await send(server, user, thread, 'Remember my card number');
      await nav.getByLabel('1 waiting for approval').waitFor(); // from viewerEvents, live
      await page.reload();
      await nav.getByLabel('1 waiting for approval').waitFor(); // from toolApprovals(status: PENDING)

      await page.getByRole('link', { name: /Threads/ }).first().waitFor();
      await page.goto(`/threads/${thread}`);
      const card = page.getByRole('region', { name: 'Waiting for approval' }).getByRole('article');
      await card.getByRole('button', { name: 'Reject' }).click();
      await card.getByRole('textbox', { name: 'Reason (optional)' }).fill('Never store card numbers');
      await card.getByRole('button', { name: 'Confirm reject' }).click();
      await card.waitFor({ state: 'detached' });
      const reply = page.getByRole('article').filter({ hasText: 'Understood, I will not keep it.' });
      await waitFor(async () => (await reply.getAttribute('data-status')) === 'COMPLETE', 20_000);
      await nav.getByLabel(/waiting for approval/).waitFor({ state: 'detached' });
      // The model heard the reason.
      expect(JSON.stringify(fake.requests.at(-1)!.messages)).toContain('Never store card numbers');
      expect(await memoriesWith(server, 'My card number')).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows the plan in force and usage with billing off, says billing is not configured, offers no Upgrade, fits 375 px', async () => {
    const { server } = ctx;
    const user = await signUpUser(server, 'Web Free');
    const { page, problems, context } = await openApp(chrome.browser, origin(server), { user, path: '/threads', viewport: { width: 375, height: 740 } });
    try {
      const { viewer } = await gqlAs(server, user, '{ viewer { currentOrg { plan { name } usage { members teammates maxMembers maxTeammates maxRuns maxTokens maxStorageBytes } } } }');
      const { maxMembers, maxTeammates, maxRuns, maxTokens, maxStorageBytes } = viewer.currentOrg.usage;
      const caps = [maxMembers, maxTeammates, maxRuns, maxTokens, maxStorageBytes].filter((n) => n != null).length;
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('link', { name: 'Billing', exact: true }).click();
      await page.waitForURL(/\/billing$/);
      await page.getByRole('heading', { name: `Current plan: ${viewer.currentOrg.plan.name}` }).waitFor();
      await page.getByText('Billing is not configured on this server').waitFor();
      expect(await page.getByText(`Members: ${viewer.currentOrg.usage.members} of`).count()).toBe(1);
      expect(await page.getByText(`Teammates: ${viewer.currentOrg.usage.teammates} of`).count()).toBe(1);
      expect(await page.getByRole('progressbar').count()).toBe(caps); // one bar per capped figure
      expect(await page.getByRole('button', { name: /Upgrade/ }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Manage billing' }).count()).toBe(0);
      expect(await page.getByRole('listitem').filter({ has: page.getByRole('heading', { level: 3 }) }).count()).toBeGreaterThan(1);
      expect(await noHorizontalScroll(page)).toBe(true);

      await page.goto('/billing?checkout=cancelled');
      await page.getByText('Checkout was cancelled; nothing was charged.').waitFor();
      await waitFor(async () => page.url().endsWith('/billing'), 10_000);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe.skipIf(!browserTestsEnabled)('web: offline model and fake Stripe', { timeout: 120_000 }, () => {
  const chrome = useBrowser();
  let server: TestServer;
  let stripe: FakeStripe;
  const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-web-'));
  beforeAll(async () => {
    stripe = await startFakeStripe([
      { id: 'price_basic_monthly', unit_amount: 900, interval: 'month' },
      { id: 'price_pro_monthly', lookup_key: 'tmates_pro', unit_amount: 2900, interval: 'month' },
    ]);
  });
  afterAll(async () => {
    await stripe?.close();
    rmSync(home, { recursive: true, force: true });
  });
  useTestServer(
    () => ({
      worker: true,
      env: {
        TMATES_HOME: home,
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
        STRIPE_API_BASE: stripe.apiBase,
        STRIPE_PRICE_BASIC: 'price_basic_monthly',
        PUBLIC_URL,
      },
    }),
    (s) => (server = s),
  );

  it('renders the SVG the illustrator drew with the offline model inline, as an <img> with an alt text', async () => {
    const user = await signUpUser(server, 'Web Painter');
    const hired = await gqlAs(server, user, 'mutation { hireTeammate(input: { catalogKey: "illustrator" }) { ... on Teammate { id } } }');
    const created = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: DIRECT, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', {
      t: [hired.hireTeammate.id],
    });
    const { page, problems, context } = await openApp(chrome.browser, origin(server), { user, path: `/threads/${created.createThread.thread.id}` });
    try {
      // PUBLIC_URL (which Stripe's return URLs need) names a host this machine does not resolve: play its reverse proxy.
      await page.route(`${PUBLIC_URL}/**`, async (route) => route.fulfill({ response: await route.fetch({ url: route.request().url().replace(PUBLIC_URL, origin(server)) }) }));
      await page.getByRole('textbox', { name: 'Message' }).fill('draw a cat');
      await page.getByRole('textbox', { name: 'Message' }).press('Enter');
      const image = page.getByRole('img', { name: /a-cat\.svg/ });
      await image.waitFor();
      expect(await image.getAttribute('alt')).toMatch(/image by /);
      await waitFor(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 20_000);
      expect(await image.evaluate((img: HTMLImageElement) => img.closest('article')?.getAttribute('data-status'))).toBe('COMPLETE');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lists the prices from Stripe; Upgrade redirects to the checkout session, and the return is acknowledged', async () => {
    const user = await signUpUser(server, 'Web Buyer');
    const { page, problems, context } = await openApp(chrome.browser, origin(server), { user, path: '/billing' });
    try {
      await page.route('https://checkout.stripe.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Checkout</title><p>Stripe Checkout</p>' }));
      const pro = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /^Pro/ }) });
      await pro.getByText(/29\.00/).waitFor();
      expect(await page.getByText('Billing is not configured').count()).toBe(0);
      await pro.getByRole('button', { name: 'Upgrade to Pro' }).click();
      await page.waitForURL(/^https:\/\/checkout\.stripe\.test\//);
      const session = [...stripe.sessions.values()].at(-1)!;
      expect(page.url()).toBe(session.url);
      expect(JSON.stringify(session)).toContain('price_pro_monthly');
      expect(problems).toEqual([]);

      await page.goto(`${origin(server)}/billing?checkout=success&session_id=${session.id}`);
      await page.getByText(/the payment went through/).waitFor();
      await waitFor(async () => page.url().endsWith('/billing'), 10_000);
    } finally {
      await context.close();
    }
  });
});
