/**
 * The test kit: one way to call the API (`gqlAs`, `gqlOn`), one way to wait (`waitFor`) and one
 * result type (`Data`). Servers and clients come from `server.ts` (`startTestServer`,
 * `useTestServer`, `TestServer.wsClient`), people from `accounts.ts` (`signUpUser`),
 * subscriptions from `subscriptions.ts` (`collect`).
 */
import type { TestUser } from './accounts.ts';
import type { TestServer } from './server.ts';

/** A GraphQL result's `data` (or any JSON) as tests read it: fields without casts. */
export type Data = Record<string, any>;

/**
 * Waits for a condition, not for the clock: calls `probe` every 20 ms until it returns something
 * truthy, and returns that. Throws `timed out waiting for <what>` after `ms` (default 15 s); a
 * number in place of `what` is the ceiling.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string | number = 'the condition', ms = 15_000): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const ceiling = typeof what === 'number' ? what : ms;
  const label = typeof what === 'number' ? 'the condition' : what;
  const until = Date.now() + ceiling;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs one operation over HTTP as `user` (in organisation `org`, when given) and returns its
 * `data`; GraphQL errors throw with their messages (typed errors are data and are returned).
 */
export async function gqlAs(server: TestServer, user: TestUser, query: string, variables: Data = {}, org?: string): Promise<Data> {
  const result = await server.gql<Data>(query, variables, { token: user.token, headers: org ? { 'x-tmates-org': org } : {} });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!;
}

/**
 * `gqlAs` bound to a test file's server (read when called, so it may be assigned in `beforeAll`):
 * `const gql = gqlOn(() => server)`, then `gql(user, query, variables)`. The fourth argument is
 * an organisation id (sent as X-Tmates-Org) or another server to send to.
 */
export function gqlOn(server: () => TestServer) {
  return (user: TestUser, query: string, variables: Data = {}, target?: string | TestServer): Promise<Data> =>
    typeof target === 'object' ? gqlAs(target, user, query, variables) : gqlAs(server(), user, query, variables, target);
}

/**
 * Waits for a subscription to be live, for transports that cannot tell: sends `probe` (an event the
 * subscription will see), waits up to a second for `live()` to hold, and sends again until it does.
 * Throws after `ms` (default 30 s) in all.
 */
export async function probeUntil(probe: () => Promise<unknown>, live: () => boolean, what = 'the subscription to start', ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!live()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await probe();
    await waitFor(live, what, 1_000).catch(() => undefined);
  }
}
