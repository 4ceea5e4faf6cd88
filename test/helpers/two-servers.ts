import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { startTestServer, type TestServer } from './server.ts';

/**
 * Two API processes on one database, like a scaled-out installation: made before the file's tests
 * (handed to `ready`) and stopped after them.
 */
export function useTwoServers(ready: (servers: { a: TestServer; b: TestServer; db: TestDatabase }) => void): void {
  let db: TestDatabase | undefined;
  let servers: TestServer[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    servers = await Promise.all([startTestServer({ databaseUrl: db.url }), startTestServer({ databaseUrl: db.url })]);
    ready({ a: servers[0]!, b: servers[1]!, db });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.drop();
  });
}
