import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function files(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full, ext) : entry.name.endsWith(ext) ? [full] : [];
  });
}

describe('clients/generated', () => {
  it('is what `npm run codegen` makes from schema.graphql and the operations (run it when this fails)', async () => {
    const cli = path.join(root, 'node_modules/@graphql-codegen/cli/cjs/bin.js');
    const result = await promisify(execFile)(process.execPath, [cli, '--config', 'codegen.ts', '--check'], { cwd: root }).then(
      () => ({ stale: '' }),
      (error: { stdout?: string; stderr?: string }) => ({ stale: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    expect(result.stale).toBe('');
  }, 60_000);

  it('imports only packages that package.json declares', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
    const imported = new Set<string>();
    for (const file of files(path.join(root, 'clients/generated'), '.ts')) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '([^'.][^']*)'/g)) {
        imported.add(spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!);
      }
    }
    expect([...imported].filter((name) => !declared.has(name))).toEqual([]);
    expect(imported.size).toBeGreaterThan(0);
  });

  it('names every web app operation and fragment `Web…`, so no other client’s document can clash', () => {
    const names = files(path.join(root, 'clients/web/src'), '.graphql').flatMap((file) =>
      parse(readFileSync(file, 'utf8')).definitions.map((d) => ('name' in d && d.name ? d.name.value : '(anonymous)')),
    );
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => !name.startsWith('Web'))).toEqual([]);
  });
});
