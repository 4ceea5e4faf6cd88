import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { startFakeOpenAI, type FakeOpenAI } from './fake-openai.ts';
import { spawnTmates, type RunningProcess } from './process.ts';
import { startTestServer, TEST_SECRET, type TestServer } from './server.ts';

export interface ApiWithoutWorker {
  fake: FakeOpenAI;
  db: TestDatabase;
  /** An API process in the test (no worker of its own) on `db`, talking to `fake`. */
  api: TestServer;
}

/**
 * For tests that kill workers: one database, a fake model and an API without a worker, made before
 * the file's tests (handed to `ready`), plus `startWorker()` for `tmates worker` child processes on
 * the same database (runs of a silent worker are recovered after 1 s). Everything, the workers still
 * running included (SIGKILL), is stopped after the file's tests.
 */
export function useApiWithWorkerProcesses(ready: (parts: ApiWithoutWorker) => void): () => RunningProcess {
  const workers: RunningProcess[] = [];
  let parts: Partial<ApiWithoutWorker> = {};
  beforeAll(async () => {
    const fake = await startFakeOpenAI();
    const db = await createTestDatabase();
    const api = await startTestServer({ databaseUrl: db.url, worker: false, env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'test-key' } });
    parts = { fake, db, api };
    ready({ fake, db, api });
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await parts.api?.stop();
    await parts.db?.drop();
    await parts.fake?.close();
  });
  return () => {
    const worker = spawnTmates(['worker'], {
      DATABASE_URL: parts.db!.url,
      OPENAI_BASE_URL: parts.fake!.baseUrl,
      OPENAI_API_KEY: 'test-key',
      TMATES_SECRET: TEST_SECRET,
      RUN_STALE_AFTER_MS: '1000',
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    return worker;
  };
}
