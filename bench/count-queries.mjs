/**
 * Preload for the process under measurement (`node --import ./bench/count-queries.mjs …`, used by
 * `npm run bench:turns`): counts SQL round trips — every `pg` `Client#query` call, which is one
 * request/response exchange with the server (a pool query, a Kysely statement, graphile-worker's
 * get_job/complete_job/add_job, BEGIN and COMMIT, LISTEN) — in this process.
 *
 * On SIGUSR2 it writes `<sequence> <count>` to the file named by TMATES_COUNT_QUERIES_FILE, so the
 * benchmark reads the count before and after a round. The count is per process and includes every
 * pool and client (API, worker, event bus). `pg` is resolved from TMATES_COUNT_QUERIES_FROM (a
 * directory), which must resolve to the same `pg` module file the process loads (a checkout whose
 * node_modules is a symlink to this one does: modules are cached by their real path).
 * With TMATES_COUNT_QUERIES_TEXTS=1 it also writes `<file>.texts`: each statement's text (first
 * 160 characters) with how often it ran, most frequent first — for finding what a turn queries.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const file = process.env.TMATES_COUNT_QUERIES_FILE;
if (file) {
  const require = createRequire(path.join(process.env.TMATES_COUNT_QUERIES_FROM ?? process.cwd(), 'package.json'));
  const pg = require('pg');
  const original = pg.Client.prototype.query;
  const texts = process.env.TMATES_COUNT_QUERIES_TEXTS === '1' ? new Map() : undefined;
  let count = 0;
  pg.Client.prototype.query = function query(...args) {
    count += 1;
    if (texts) {
      const first = args[0];
      const text = String(typeof first === 'string' ? first : (first?.text ?? first?.name ?? '?')).replace(/\s+/g, ' ').slice(0, 160);
      texts.set(text, (texts.get(text) ?? 0) + 1);
    }
    return original.apply(this, args);
  };
  let sequence = 0;
  process.on('SIGUSR2', () => {
    sequence += 1;
    if (texts) {
      const lines = [...texts].sort((a, b) => b[1] - a[1]).map(([text, n]) => `${String(n).padStart(8)}  ${text}`);
      writeFileSync(`${file}.texts`, `${lines.join('\n')}\n`);
    }
    writeFileSync(file, `${sequence} ${count}\n`);
  });
}
