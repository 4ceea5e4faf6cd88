import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

/** Every name a teammate goes by for an organisation: its own teammates (hired or not) and the catalog's. */
export async function knownTeammateNames(db: Executor, orgId: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select name from teammates where org_id = ${orgId}
    union
    select manifest->>'name' as name from catalog_teammates where manifest->>'name' is not null
  `.execute(db);
  return rows.map((r) => r.name);
}
