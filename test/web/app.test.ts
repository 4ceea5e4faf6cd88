/**
 * The web app in a real browser (Debian chromium via playwright-core) against the real server, with
 * the OpenAI-wire fake model streaming replies slowly so the DOM can be watched while they grow.
 * One browser for the file; each test opens its own context (its own storage, its own person).
 */
import { gqlAs } from '../helpers/kit.ts';
import type { Duplex } from 'node:stream';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { useServerWithFakeModel } from '../helpers/agents.ts';
import { browserTestsEnabled, openApp, useBrowser } from '../helpers/browser.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import type { TestServer } from '../helpers/server.ts';

type Data = Record<string, any>;

/** Waits for a condition checked in Node (page queries included), with a generous ceiling. */
async function waitFor<T>(check: () => Promise<T | undefined | null | false>, what: string, ms = 45_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Records, inside the page, every distinct text of the last message of `author` as the DOM changes
 * (a MutationObserver, so no intermediate state is missed between two polls from the test).
 */
async function recordReplies(page: Page, author: string) {
  await page.evaluate((name) => {
    const w = window as unknown as { __states: string[]; __observer?: MutationObserver };
    w.__states = [];
    w.__observer?.disconnect();
    const record = () => {
      const articles = [...document.querySelectorAll('article')].filter((a) => a.querySelector('.author')?.textContent?.includes(name));
      const text = articles.at(-1)?.querySelector('.body')?.textContent ?? '';
      if (text && w.__states.at(-1) !== text) w.__states.push(text);
    };
    w.__observer = new MutationObserver(record);
    w.__observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  }, author);
  return () => page.evaluate(() => (window as unknown as { __states: string[] }).__states);
}

const articleCount = (page: Page, text: string) => page.getByRole('article').filter({ hasText: text }).count();

// Generous timeouts: replies stream over seconds, and the machine running the suite may be busy.
describe.skipIf(!browserTestsEnabled)('the web app in a browser', { timeout: 90_000 }, () => {
  const chrome = useBrowser(); // first: it may build the app before the server starts
  const model = useServerWithFakeModel({ MODEL_MAX_RETRIES: '0' });
  let server: TestServer;
  let fake: FakeOpenAI;
  let base: string;
  beforeAll(() => {
    ({ server, fake } = model);
    base = server.url.replace(/\/graphql$/, '');
  });

  /** The person's direct thread with a hired teammate, through the API. */
  async function directThread(user: TestUser, catalogKey: string): Promise<string> {
    const hired = await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: catalogKey });
    const created = await gqlAs(server, user, 'mutation($t: ID!) { createThread(input: { kind: DIRECT, teammateIds: [$t] }) { ... on CreateThreadPayload { thread { id } } } }', {
      t: hired.hireTeammate.id,
    });
    return created.createThread.thread.id;
  }

  it('serves the app at / with cached hashed assets, an uncached index.html, compression and a client-route fallback', async () => {
    const index = await fetch(`${base}/`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(index.status).toBe(200);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const asset = await fetch(`${base}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    const route = await fetch(`${base}/threads/some-thread`, { headers: { accept: 'text/html' } });
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    const api = await server.gql('{ serverInfo { version } }');
    expect(api.data).toMatchObject({ serverInfo: { version: expect.any(String) } });
  });

  it('signs up, hires, sends, and shows the reply growing in place until it is complete', async () => {
    const { page, problems, context } = await openApp(chrome.browser, base);
    try {
    await page.getByRole('button', { name: 'Sign up' }).waitFor();
    await page.getByLabel('Display name').fill('Web Person');
    await page.getByLabel('Email').fill(`web-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).click();

    await page.getByRole('link', { name: 'Team', exact: true }).click();
    await page.getByRole('button', { name: 'Hire Amara' }).click();
    await page.getByRole('button', { name: 'Message Amara' }).click();
    await page.waitForURL(/\/threads\/.+/);

    const chunks = ['Here ', 'is ', 'a ', 'reply ', 'that ', 'streams ', 'in ', 'slowly.'];
    fake.enqueue({ kind: 'text', when: 'Tell me something', chunks, delayMs: 250 });
    const states = await recordReplies(page, 'Amara');
    await page.getByRole('textbox', { name: 'Message' }).fill('Tell me something');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');

    await page.getByRole('button', { name: 'Stop' }).waitFor();
    const reply = page.getByRole('article').filter({ hasText: 'Amara' }).last();
    await waitFor(async () => (await reply.getAttribute('data-status')) === 'COMPLETE', 'the reply to complete');
    const seen = (await states()).filter((s) => s !== '…'); // the empty reply's placeholder
    const final = chunks.join('');
    expect(seen.at(-1)).toBe(final);
    const intermediate = seen.filter((s) => s !== final && final.startsWith(s));
    expect(intermediate.length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((s) => !final.startsWith(s))).toEqual([]); // never a flicker to something else
    expect(await articleCount(page, 'Tell me something')).toBe(1);
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    expect(problems).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('survives a cut socket mid-reply: "Reconnecting…", then the reply completes once, nothing doubled', async () => {
    const user = await signUpUser(server, 'Resumer');
    const threadId = await directThread(user, 'researcher');
    // The cut is made on the server: every WebSocket is destroyed, and new ones are refused (destroyed
    // on arrival) until `blocking` ends, so the browser stays disconnected for a while mid-reply.
    const sockets = new Set<Duplex>();
    let blocking = false;
    const track = (_req: unknown, socket: Duplex) => (blocking ? socket.destroy() : sockets.add(socket));
    server.app.http!.server.on('upgrade', track);
    const { page, context, problems } = await openApp(chrome.browser, base, { user, path: `/threads/${threadId}` });
    try {
      await page.getByRole('textbox', { name: 'Message' }).waitFor();
      const chunks = Array.from({ length: 12 }, (_, i) => `part${i} `);
      fake.enqueue({ kind: 'text', when: 'Long story', chunks, delayMs: 250 });
      await page.getByRole('textbox', { name: 'Message' }).fill('Long story please');
      await page.getByRole('button', { name: 'Send' }).click();
      const reply = page.getByRole('article').filter({ hasText: 'part0' });
      await reply.waitFor();

      blocking = true;
      for (const socket of sockets) socket.destroy();
      await page.getByText('Reconnecting…').waitFor();
      const cutAt = (await reply.locator('.body').textContent()) ?? '';
      // Stay cut off until the reply has grown on the server, so the page must catch up on what it missed.
      await waitFor(async () => {
        const { thread } = await gqlAs(server, user, 'query($id: ID!) { thread(id: $id) { messages(last: 1) { edges { node { body } } } } }', { id: threadId });
        return (thread.messages.edges[0]?.node.body.length ?? 0) > cutAt.length + 6;
      }, 'the reply to grow while the page is cut off');
      blocking = false;

      await waitFor(async () => (await reply.getAttribute('data-status')) === 'COMPLETE', 'the resumed reply to complete');
      await page.getByText('Reconnecting…').waitFor({ state: 'detached' });
      const body = (await reply.locator('.body').textContent()) ?? '';
      expect(body.trim()).toBe(chunks.join('').trim());
      expect(cutAt).not.toContain('part11'); // the cut really came mid-reply
      expect(await page.getByRole('article').filter({ hasText: 'part0' }).count()).toBe(1);
      expect(await articleCount(page, 'Long story please')).toBe(1);
      expect(problems.filter((p) => !/WebSocket|ERR_INTERNET_DISCONNECTED|ERR_NETWORK/i.test(p))).toEqual([]);
    } finally {
      server.app.http!.server.off('upgrade', track);
      await context.close();
    }
  });

  it('shows two people of one team organisation each other’s messages live', async () => {
    const owner = await signUpUser(server, 'Owner');
    const { createOrg } = await gqlAs(server, owner, 'mutation { createOrg(input: { name: "Crew" }) { ... on OrgPayload { org { id } } ... on Error { message } } }');
    const orgId = createOrg.org.id as string;
    const inOrg = async (user: TestUser, query: string, variables: Data = {}) => {
      const result = await server.gql<Data>(query, variables, { token: user.token, headers: { 'x-tmates-org': orgId } });
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      return result.data!;
    };
    const mate = await signUpUser(server, 'Mate');
    const invited = await inOrg(owner, 'mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } ... on Error { message } } }', { e: mate.email });
    const accepted = await gqlAs(server, mate, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename ... on Error { message } } }', { t: invited.inviteMember.token });
    expect(accepted.acceptInvitation.__typename).toBe('OrgPayload');
    const created = await inOrg(owner, 'mutation($u: ID!) { createThread(input: { kind: TEAM, teammateIds: [], userIds: [$u], title: "Crew room" }) { __typename ... on CreateThreadPayload { thread { id } } ... on Error { message } } }', {
      u: mate.userId,
    });
    const threadId = created.createThread.thread?.id as string;
    expect(threadId, JSON.stringify(created)).toBeTruthy();

    const a = await openApp(chrome.browser, base, { user: owner, orgId, path: `/threads/${threadId}` });
    const b = await openApp(chrome.browser, base, { user: mate, orgId, path: `/threads/${threadId}` });
    try {
      await a.page.getByRole('textbox', { name: 'Message' }).waitFor();
      await b.page.getByRole('textbox', { name: 'Message' }).waitFor();
      await b.page.getByRole('heading', { name: 'Crew room' }).waitFor();
      await a.page.getByRole('textbox', { name: 'Message' }).fill('Hello from the owner');
      await a.page.getByRole('textbox', { name: 'Message' }).press('Enter');
      await b.page.getByRole('article').filter({ hasText: 'Hello from the owner' }).waitFor();
      await b.page.getByRole('textbox', { name: 'Message' }).fill('Hi owner, mate here');
      await b.page.getByRole('button', { name: 'Send' }).click();
      await a.page.getByRole('article').filter({ hasText: 'Hi owner, mate here' }).waitFor();
      expect(await articleCount(a.page, 'Hello from the owner')).toBe(1);
      expect(await articleCount(b.page, 'Hi owner, mate here')).toBe(1);
      expect([...a.problems, ...b.problems]).toEqual([]);
    } finally {
      await a.context.close();
      await b.context.close();
    }
  });

  it('uploads a CSV that becomes READY, live', async () => {
    const user = await signUpUser(server, 'Uploader');
    const { page, context, problems } = await openApp(chrome.browser, base, { user, path: '/files' });
    try {
      await page.getByLabel('Upload files').setInputFiles({ name: 'sales.csv', mimeType: 'text/csv', buffer: Buffer.from('region,amount\nnorth,10\nsouth,20\n') });
      const row = page.locator('tr[data-file-name="sales.csv"]');
      await row.waitFor();
      await row.getByText('READY').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('starts a goal from a thread and follows it live until it SUCCEEDED', async () => {
    const user = await signUpUser(server, 'Goalie');
    const ids: Record<string, string> = {};
    for (const key of ['coordinator', 'analyst']) {
      ids[key] = (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key })).hireTeammate.id;
    }
    const { createThread } = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Plans" }) { ... on CreateThreadPayload { thread { id } } } }', {
      t: [ids.coordinator, ids.analyst],
    });
    fake.enqueue(
      {
        kind: 'text',
        when: 'Plan it as a short list',
        chunks: [JSON.stringify({ summary: 'One task.', tasks: [{ title: 'Count the rows', assignee: 'analyst', instructions: 'Count them', done_when: 'counted', depends_on: [] }] })],
      },
      { kind: 'text', when: 'Count the rows', chunks: ['There are ', '3 rows.'] },
      { kind: 'text', when: '[Goal report]', chunks: ['## Report\n\nThree rows.'] },
    );
    const { page, context, problems } = await openApp(chrome.browser, base, { user, path: `/threads/${createThread.thread.id}` });
    try {
      await page.getByRole('button', { name: 'Start a goal' }).click();
      await page.getByLabel('Goal', { exact: true }).fill('Count the rows of the sales file');
      await page.getByRole('button', { name: 'Start goal' }).click();
      await page.waitForURL(/\/goals\/.+/);
      await page.getByTestId('goal-status').getByText('SUCCEEDED').waitFor({ timeout: 60_000 });
      await page.getByText('Three rows.').waitFor();
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('renders an HTML body as inert text, and links with rel="noopener noreferrer"', async () => {
    const user = await signUpUser(server, 'Safe');
    const threadId = await directThread(user, 'writer');
    const { page, context, dialogs, problems } = await openApp(chrome.browser, base, { user, path: `/threads/${threadId}` });
    try {
      const payload = '<img src=x onerror=alert(1)> and [a link](https://example.com)';
      await page.getByRole('textbox', { name: 'Message' }).fill(payload);
      await page.getByRole('textbox', { name: 'Message' }).press('Enter');
      const article = page.getByRole('article').filter({ hasText: '<img src=x onerror=alert(1)>' });
      await article.waitFor();
      await article.getByRole('link', { name: 'a link' }).waitFor();
      expect(await page.locator('.messages img').count()).toBe(0);
      expect(await article.getByRole('link', { name: 'a link' }).getAttribute('rel')).toBe('noopener noreferrer');
      expect(dialogs).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('fits a thread in 375 px without horizontal scrolling', async () => {
    const user = await signUpUser(server, 'Narrow');
    const threadId = await directThread(user, 'analyst');
    const { page, context } = await openApp(chrome.browser, base, { user, path: `/threads/${threadId}`, viewport: { width: 375, height: 740 } });
    try {
      const long = `A long line ${'without-any-breaks-'.repeat(12)} and a table:\n\n| a | b | c |\n|---|---|---|\n| ${'wide '.repeat(30)} | x | y |`;
      await page.getByRole('textbox', { name: 'Message' }).fill(long);
      await page.getByRole('button', { name: 'Send' }).click();
      await page.getByRole('article').filter({ hasText: 'without-any-breaks' }).waitFor();
      await page.getByRole('button', { name: 'Menu' }).waitFor();
      const file = path.join(os.tmpdir(), `tmates-thread-375-${process.pid}.png`);
      writeFileSync(file, await page.screenshot({ fullPage: false }));
      const sizes = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        main: document.querySelector('main')!.scrollWidth - document.querySelector('main')!.clientWidth,
      }));
      expect(sizes.clientWidth).toBe(375);
      expect(sizes.scrollWidth).toBeLessThanOrEqual(sizes.clientWidth);
      expect(sizes.main).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  });

  it('applies a theme at once and keeps it, and shows a new API key’s secret once', async () => {
    const user = await signUpUser(server, 'Settler');
    const { page, context, problems } = await openApp(chrome.browser, base, { user, path: '/settings' });
    try {
      await page.getByRole('radio', { name: 'Dark' }).check();
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
      const saved = await waitFor(async () => {
        const { viewer } = await gqlAs(server, user, '{ viewer { settings { theme } } }');
        return viewer.settings.theme === 'DARK' && viewer;
      }, 'the theme to be saved');
      expect(saved.settings.theme).toBe('DARK');
      await page.reload();
      await page.getByRole('radio', { name: 'Dark' }).waitFor();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');

      await page.getByLabel('Key name').fill('ci');
      await page.getByRole('button', { name: 'Create API key' }).click();
      const secret = (await page.getByRole('status').filter({ hasText: 'not shown again' }).locator('code').textContent()) ?? '';
      expect(secret).toMatch(/^tm_/);
      const viaKey = await server.gql<{ viewer: { user: { id: string } } }>('{ viewer { user { id } } }', {}, { token: secret });
      expect(viaKey.data?.viewer.user.id).toBe(user.userId);
      await page.reload();
      await page.getByRole('button', { name: 'Revoke ci' }).waitFor();
      expect(await page.getByText(secret).count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
