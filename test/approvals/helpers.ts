import { sql } from 'kysely';
import { gqlAs, waitFor } from '../helpers/kit.ts';
import type { TestUser } from '../helpers/accounts.ts';

import type { TestServer } from '../helpers/server.ts';
import { collect, type Collected } from '../helpers/subscriptions.ts';

type Data = Record<string, any>;

/** Thread events with approvals, for the tests of people in the loop. */
export const APPROVAL_THREAD_EVENTS = `subscription($id: ID!) {
  threadEvents(threadId: $id) {
    __typename
    ... on MessageEvent { message { id body status run { id } } }
    ... on RunEvent { status run { id } }
    ... on ApprovalEvent { approval { id status tool arguments reason run { id status } teammate { name } thread { id } } }
  }
}`;

export const VIEWER_APPROVALS = `subscription { viewerEvents { __typename ... on ApprovalEvent { approval { id status tool } thread { id } } } }`;

export const SET_POLICY = `mutation($input: SetToolPolicyInput!) {
  setToolPolicy(input: $input) {
    __typename
    ... on ToolPolicySetting { tool policy teammate { id } }
    ... on Error { errorMessage: message }
  }
}`;

export const APPROVE = `mutation($input: ApproveToolCallInput!) {
  approveToolCall(input: $input) {
    __typename
    ... on ToolApprovalDecision { approval { id status arguments } run { id status } }
    ... on ValidationError { issues { field message } }
    ... on Error { errorMessage: message }
  }
}`;

export const REJECT = `mutation($input: RejectToolCallInput!) {
  rejectToolCall(input: $input) {
    __typename
    ... on ToolApprovalDecision { approval { id status reason } run { id status } }
    ... on Error { errorMessage: message }
  }
}`;

export const APPROVALS = `query($status: ToolApprovalStatus, $threadId: ID) {
  toolApprovals(status: $status, threadId: $threadId) { id status tool arguments reason expiresAt viewerCanDecide run { id status } teammate { name } thread { id } decidedBy { displayName } }
}`;

export async function setPolicy(server: TestServer, user: TestUser, input: Data): Promise<Data> {
  return (await gqlAs(server, user, SET_POLICY, { input })).setToolPolicy;
}

export async function watchApprovals(server: TestServer, user: TestUser, threadId: string): Promise<Collected<Data>> {
  const before = server.app.services.bus.listenerCount();
  const sub = collect<Data>(server.wsClient({ token: user.token }), APPROVAL_THREAD_EVENTS, { id: threadId });
  await waitFor(() => server.app.services.bus.listenerCount() > before || sub.errors.length > 0);
  return sub;
}

/** Waits for the first thread event matching `predicate`. */
export async function eventOf(sub: Collected<Data>, predicate: (e: Data) => boolean, ms = 20_000): Promise<Data> {
  await waitFor(() => sub.events.some((e) => predicate(e.threadEvents)) || sub.errors.length > 0, ms);
  if (sub.errors.length) throw new Error(JSON.stringify(sub.errors));
  return sub.events.map((e) => e.threadEvents).find(predicate)!;
}

export const pendingApproval = (e: Data) => e.__typename === 'ApprovalEvent' && e.approval.status === 'PENDING';

/** How many memory notes with exactly this content exist (a tool that ran once made one). */
export async function memoriesWith(server: TestServer, content: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from memories where content = ${content}`.execute(server.app.services.db);
  return Number(rows[0]!.n);
}

/** Jobs of a run still in graphile-worker's queue (a parked run holds none). */
export async function jobsOfRun(server: TestServer, runGlobalId: string, runId?: string): Promise<number> {
  const id = runId ?? Buffer.from(runGlobalId, 'base64').toString('utf8').split(':')[1];
  const { rows } = await sql<{ n: string }>`select count(*) as n from graphile_worker.jobs where key = ${`run:${id}`}`.execute(server.app.services.db);
  return Number(rows[0]!.n);
}

/** Waits until an asynchronous condition holds (checked every 25 ms), or fails after `ms`. */
export async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
