import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { manifestSchema, type Manifest } from './manifest.ts';

const folder = fileURLToPath(new URL('./teammates/', import.meta.url));

export class CatalogError extends Error {
  override name = 'CatalogError';
}

export interface CatalogManifest {
  manifest: Manifest;
  /** sha256 of the validated manifest: a changed file gets a new checksum. */
  checksum: string;
  file: string;
}

/** Reads and validates every bundled manifest; a bad file stops with its name and the bad fields. */
export function loadCatalog(dir = folder): CatalogManifest[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const seen = new Set<string>();
  return files.map((file) => {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
    } catch (error) {
      throw new CatalogError(`catalog/${file}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ');
      throw new CatalogError(`catalog/${file}: ${detail}`);
    }
    const manifest = parsed.data;
    if (`${manifest.key}.json` !== file) throw new CatalogError(`catalog/${file}: key "${manifest.key}" must match the file name`);
    if (seen.has(manifest.key)) throw new CatalogError(`catalog/${file}: duplicate key ${manifest.key}`);
    seen.add(manifest.key);
    const checksum = createHash('sha256').update(JSON.stringify(manifest)).digest('hex');
    return { manifest, checksum, file };
  });
}
