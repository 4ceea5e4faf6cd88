import { loadCatalog } from '../catalog/load-catalog.ts';
import type { Category } from '../catalog/manifest.ts';
import type { Seeder } from '../core/seeder.ts';
import { listCatalog, upsertCatalogEntry, type CatalogEntry } from '../repositories/catalog.ts';
import { hiredCatalogKeys, syncCatalogPersona } from '../repositories/teammates.ts';
import type { AppServices } from '../core/context.ts';
import { personaFromManifest } from './teammates.ts';
import type { Viewer } from '../core/viewer.ts';

/**
 * Loads the bundled manifests into `catalog_teammates`. Idempotent: unchanged manifests touch
 * nothing; a changed one replaces its row (with its new version) and the persona of every hired
 * copy, since catalog teammates are not edited by users.
 */
export const catalogSeeder: Seeder = {
  name: 'catalog',
  async run(services) {
    let changed = 0;
    for (const { manifest, checksum } of loadCatalog()) {
      await services.db.transaction().execute(async (trx) => {
        if (await upsertCatalogEntry(trx, manifest, checksum)) {
          changed += 1;
          await syncCatalogPersona(trx, manifest.key, personaFromManifest(manifest));
        }
      });
    }
    return { changed };
  },
};

export interface CatalogListing extends CatalogEntry {
  /** The org's teammate hired from this entry, if currently hired. */
  hiredTeammateId: string | undefined;
}

/** The catalog with each entry's `hired` state for the viewer's organisation. */
export async function catalogForViewer(
  services: Pick<AppServices, 'db'>,
  viewer: Viewer | null,
  filter: { category?: Category | null; search?: string | null },
): Promise<CatalogListing[]> {
  const [entries, hired] = await Promise.all([
    listCatalog(services.db),
    viewer ? hiredCatalogKeys(services.db, viewer.org.id) : Promise.resolve(new Map<string, string>()),
  ]);
  const words = (filter.search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  return entries
    .filter((e) => !filter.category || e.manifest.category === filter.category)
    .filter((e) => {
      const m = e.manifest;
      const haystack = [m.name, m.role, m.description, m.category, ...m.capabilities].join(' ').toLowerCase();
      return words.every((w) => haystack.includes(w));
    })
    .map((e) => ({ ...e, hiredTeammateId: hired.get(e.key) }));
}
