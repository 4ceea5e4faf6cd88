import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { sql } from 'kysely';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { lockOrg } from '../../src/repositories/orgs.ts';
import { addJob } from '../../src/repositories/jobs.ts';
import { runJobKey } from '../../src/repositories/jobs.ts';
import { runTurnTask } from '../../src/jobs/tasks/agents__run_turn.ts';
import { findRun, insertRun } from '../../src/repositories/runs.ts';
import { lockThread } from '../../src/repositories/threads.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import type { TestServer } from '../helpers/server.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { startTestServer } from '../helpers/server.ts';
import { gqlAs, waitFor } from '../helpers/kit.ts';

// Heartbeats every 250 ms.
const model = useServerWithFakeModel({ RUN_STALE_AFTER_MS: '1000' });
let fake: FakeOpenAI;
let server: TestServer;
beforeAll(() => {
  ({ fake, server } = model);
});

const raw = (globalId: string) => decodeGlobalID(globalId).id;

/** A new person's direct thread, as raw ids: the thread, its teammate and its organisation. */
async function directThreadIds(name: string): Promise<{ threadId: string; teammateId: string; orgId: string }> {
  const user = await signUpUser(server, name);
  const threadId = raw(await directThreadOf(server, user));
  const row = await server.app.services.db
    .selectFrom('threads')
    .select(['direct_teammate_id', 'org_id'])
    .where('id', '=', threadId)
    .executeTakeFirstOrThrow();
  return { threadId, teammateId: row.direct_teammate_id!, orgId: row.org_id };
}

describe('row locks', () => {
  it('a thread or organisation locked for writing does not hold up rows that merely refer to it', async () => {
    const { db } = server.app.services;
    const { threadId, teammateId, orgId } = await directThreadIds('Locker');

    // One transaction holds the thread and the organisation, as sendMessage and beginRun do…
    const holder = await db.startTransaction().execute();
    try {
      await lockOrg(holder, orgId);
      await lockThread(holder, threadId);
      // …while another inserts a run (foreign keys to both): it must not wait for them. With
      // FOR UPDATE it would (a foreign-key check takes KEY SHARE), which is how two writers taking
      // thread and goal in opposite order deadlocked.
      const inserted = await db.transaction().execute(async (trx) => {
        await sql`set local lock_timeout = '2s'`.execute(trx);
        return insertRun(trx, { orgId, threadId, teammateId, status: 'cancelled' });
      });
      expect(inserted.threadId).toBe(threadId);
      // Writers of the thread itself still wait for each other.
      const blocked = await db
        .transaction()
        .execute(async (trx) => {
          await sql`set local lock_timeout = '300ms'`.execute(trx);
          await lockThread(trx, threadId);
          return 'not blocked';
        })
        .catch((error: Error) => error.message);
      expect(blocked).toMatch(/lock timeout/);
    } finally {
      await holder.rollback().execute();
    }
  });
});

describe('heartbeats', () => {
  it('stop a run whose cancel the worker never heard about', async () => {
    const user = await signUpUser(server, 'Unheard');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'endless', intervalMs: 30 });
    const aborted = fake.abortedStreams;
    const sent = await send(server, user, thread, 'Keep talking.');
    const runId = sent.runs[0].id;
    await waitForRun(server, user, runId, ['RUNNING']);
    // Cancelled behind the worker's back: no event on the bus, as when it lands before the worker listens.
    await sql`update runs set status = 'cancelled', error = 'Cancelled elsewhere', finished_at = now() where id = ${raw(runId)}`.execute(server.app.services.db);
    await waitFor(() => fake.abortedStreams > aborted, 5_000); // the next heartbeat noticed and aborted the model call
    await waitFor(() => server.app.agents.activeRunIds.length === 0, 5_000);
    const run = await waitForRun(server, user, runId);
    expect(run).toMatchObject({ status: 'CANCELLED', reply: { status: 'CANCELLED' } });
  });
});

describe('recovery', () => {
  it('fails a queued run whose job failed for good, instead of leaving it (and every later message) waiting', async () => {
    const { db } = server.app.services;
    const { threadId, teammateId, orgId } = await directThreadIds('Stranded');
    const run = await insertRun(db, { orgId, threadId, teammateId, status: 'queued' });
    // Its job ran out of attempts (graphile-worker keeps such a job, key and all); nobody will start it.
    await addJob(db, runTurnTask, { runId: run.id }, { jobKey: runJobKey(run.id), runAt: new Date(Date.now() + 3_600_000) });
    await sql`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'gave up' where key = ${runJobKey(run.id)}`.execute(db);
    await sql`update runs set created_at = now() - interval '1 minute' where id = ${run.id}`.execute(db);
    let after = await findRun(db, run.id);
    for (const until = Date.now() + 5_000; after?.status === 'queued' && Date.now() < until; after = await findRun(db, run.id)) {
      await server.app.agents.sweep(); // it also runs every 500 ms here
    }
    expect(after).toMatchObject({ status: 'failed', error: expect.stringContaining('could not be resumed') });
  });
});

describe('a worker shutting down', () => {
  it('mid-plan hands the plan run back to the queue instead of failing the goal', async () => {
    const database = await createTestDatabase();
    const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-shutdown-'));
    const first = await startTestServer({ databaseUrl: database.url, worker: true, env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'test-key', TMATES_HOME: home } });
    const check = new pg.Client({ connectionString: database.url });
    let stopped = false;
    try {
      const user = await signUpUser(first, 'Deployer');
      const coordinator = (await gqlAs(first, user, 'mutation { hireTeammate(input: { catalogKey: "coordinator" }) { ... on Teammate { id } } }')).hireTeammate.id;
      const { createThread } = await gqlAs(first, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', { t: [coordinator] });
      fake.enqueue({ kind: 'endless', intervalMs: 30, when: 'Plan through a deploy' });
      const goal = (await gqlAs(first, user, 'mutation($id: ID!) { createGoal(input: { threadId: $id, instruction: "Plan through a deploy" }) { ... on Goal { id } } }', { id: createThread.thread.id })).createGoal;
      await waitFor(() => first.app.agents.activeRunIds.length > 0, 10_000);
      const [runId] = first.app.agents.activeRunIds;

      await first.stop(); // a deploy: the worker aborts the model call and gives the job back
      stopped = true;
      await check.connect();
      const run = (await check.query('select status, attempt from runs where id = $1', [runId])).rows[0];
      const job = (await check.query('select attempts, locked_by, last_error from graphile_worker.jobs where key = $1', [runJobKey(runId!)])).rows[0];
      const state = (await check.query('select status from goals where id = $1', [raw(goal.id)])).rows[0];
      expect(run).toEqual({ status: 'running', attempt: 1 }); // the next worker resumes it (the sweeper would, too)
      expect(job).toMatchObject({ attempts: 1, locked_by: null, last_error: expect.stringContaining('shutting down') });
      expect(state.status).toBe('planning');
    } finally {
      if (!stopped) await first.stop();
      await check.end().catch(() => undefined);
      await database.drop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
