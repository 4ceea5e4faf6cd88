import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '../../src/jobs/define-task.ts';
import { addJob, InvalidJobPayloadError } from '../../src/repositories/jobs.ts';
import type { AppServices } from '../../src/core/context.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/kit.ts';

const seen: Array<{ note: string; attempt: number }> = [];
let failOnce = true;

const recordNote = defineTask<AppServices, z.ZodObject<{ note: z.ZodString }>>({
  name: 'test__record_note',
  payload: z.object({ note: z.string().min(1) }),
  spec: { maxAttempts: 3 },
  async run({ note }, _deps, helpers) {
    if (note === 'flaky' && failOnce) {
      failOnce = false;
      throw new Error('transient failure');
    }
    seen.push({ note, attempt: helpers.job.attempts });
  },
});

let db: TestDatabase;
let server: TestServer;
beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer({
    databaseUrl: db.url,
    worker: true,
    tasks: [recordNote as never],
  });
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('jobs', () => {
  it('runs a job enqueued in a committed transaction', async () => {
    const kysely = server.app.services.db;
    await kysely.transaction().execute((trx) => addJob(trx, recordNote, { note: 'committed' }));
    await waitFor(() => seen.some((s) => s.note === 'committed'));
  });

  it('never runs a job whose transaction rolled back', async () => {
    const kysely = server.app.services.db;
    await expect(
      kysely.transaction().execute(async (trx) => {
        await addJob(trx, recordNote, { note: 'rolled-back' });
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');
    await kysely.transaction().execute((trx) => addJob(trx, recordNote, { note: 'after-rollback' }));
    await waitFor(() => seen.some((s) => s.note === 'after-rollback'));
    expect(seen.some((s) => s.note === 'rolled-back')).toBe(false);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker._private_jobs where payload->>'note' = 'rolled-back'
    `.execute(kysely);
    expect(rows[0]!.n).toBe(0);
  });

  it('refuses a payload that does not match the task schema, before anything is queued', async () => {
    const kysely = server.app.services.db;
    await expect(addJob(kysely, recordNote, { note: '' })).rejects.toBeInstanceOf(InvalidJobPayloadError);
    await expect(addJob(kysely, recordNote, { nope: 1 } as never)).rejects.toThrow(/invalid payload for test__record_note/);
  });

  it('retries a failed job and runs it to completion', async () => {
    const kysely = server.app.services.db;
    // Retries back off exponentially; pull the retry forward instead of waiting for it.
    const { id } = await addJob(kysely, recordNote, { note: 'flaky' });
    await waitFor(() => !failOnce);
    await sql`update graphile_worker._private_jobs set run_at = now() where id = ${id}::bigint`.execute(kysely);
    await waitFor(() => seen.some((s) => s.note === 'flaky'));
    expect(seen.find((s) => s.note === 'flaky')?.attempt).toBe(2);
  });
});

describe('graceful shutdown', () => {
  it('lets a running job finish before the process lets go of the database', async () => {
    let finished = false;
    let startedResolve: () => void = () => {};
    const started = new Promise<void>((r) => (startedResolve = r));
    const slow = defineTask<AppServices, z.ZodObject<{ ms: z.ZodNumber }>>({
      name: 'test__slow',
      payload: z.object({ ms: z.number().int() }),
      async run({ ms }) {
        startedResolve();
        await new Promise((r) => setTimeout(r, ms));
        finished = true;
      },
    });
    const own = await createTestDatabase();
    const server2 = await startTestServer({ databaseUrl: own.url, worker: true, tasks: [slow as never] });
    try {
      await addJob(server2.app.services.db, slow, { ms: 800 });
      await started;
      const stopping = Date.now();
      await server2.stop();
      expect(finished).toBe(true);
      expect(Date.now() - stopping).toBeGreaterThanOrEqual(500);
    } finally {
      await server2.stop();
      await own.drop();
    }
  });
});
