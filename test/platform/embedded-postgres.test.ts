import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { createLogger } from '../../src/logger.ts';

const isRoot = process.getuid?.() === 0;
const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

describe('embedded PostgreSQL', () => {
  it.runIf(isRoot)(
    'as root, keeps the data where the postgres OS user can reach it when TMATES_HOME is private',
    async () => {
      // mkdtemp makes a 0700 folder: the postgres user cannot traverse it.
      const privateParent = mkdtempSync(path.join(os.tmpdir(), 'tmates-private-'));
      cleanup.push(privateParent);
      const home = path.join(privateParent, 'home');
      const logger = createLogger('silent');

      const first = await startEmbeddedPostgres({ home, ephemeral: true, logger });
      cleanup.push(first.dataDir);
      expect(first.dataDir.startsWith('/var/lib/tmates/postgres-')).toBe(true);
      expect(readFileSync(path.join(home, 'postgres-location.txt'), 'utf8').trim()).toBe(first.dataDir);
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query('create table kept (value text)');
      await client.query("insert into kept values ('still here')");
      await client.end();
      await first.stop();

      const second = await startEmbeddedPostgres({ home, ephemeral: true, logger });
      expect(second.dataDir).toBe(first.dataDir);
      const again = new pg.Client({ connectionString: second.url });
      await again.connect();
      expect((await again.query('select value from kept')).rows).toEqual([{ value: 'still here' }]);
      await again.end();
      await second.stop();
    },
  );
});
