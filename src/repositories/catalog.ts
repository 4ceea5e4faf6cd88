import type { Manifest } from '../catalog/manifest.ts';
import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export interface CatalogEntry {
  key: string;
  version: string;
  manifest: Manifest;
  updatedAt: Date;
}

export async function listCatalog(db: Executor): Promise<CatalogEntry[]> {
  const rows = await db.selectFrom('catalog_teammates').select(['key', 'version', 'manifest', 'updated_at']).orderBy('key').execute();
  return rows.map((r) => ({ key: r.key, version: r.version, manifest: r.manifest as unknown as Manifest, updatedAt: r.updated_at }));
}

export async function findCatalogEntry(db: Executor, key: string): Promise<CatalogEntry | undefined> {
  const r = await db
    .selectFrom('catalog_teammates')
    .select(['key', 'version', 'manifest', 'updated_at'])
    .where('key', '=', key)
    .executeTakeFirst();
  return r && { key: r.key, version: r.version, manifest: r.manifest as unknown as Manifest, updatedAt: r.updated_at };
}

/** Inserts or updates one entry; returns whether anything changed (a new key or a changed checksum). */
export async function upsertCatalogEntry(db: Executor, manifest: Manifest, checksum: string): Promise<boolean> {
  const result = await db
    .insertInto('catalog_teammates')
    .values({ key: manifest.key, version: manifest.version, manifest: JSON.stringify(manifest), checksum })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ version: manifest.version, manifest: JSON.stringify(manifest), checksum })
        .where('catalog_teammates.checksum', '!=', checksum),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The catalog teammates every new organisation starts with (`"starter": true` in their manifest). */
export async function listStarterEntries(db: Executor): Promise<Array<Pick<CatalogEntry, 'key' | 'manifest'>>> {
  const rows = await db
    .selectFrom('catalog_teammates')
    .select(['key', 'manifest'])
    .where(sql<boolean>`(manifest->>'starter')::boolean`)
    .execute();
  return rows.map((r) => ({ key: r.key, manifest: r.manifest as unknown as Manifest }));
}
