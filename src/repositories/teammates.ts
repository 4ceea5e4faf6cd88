import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { Teammates } from '../db/schema.ts';

export type TeammateStatus = 'hired' | 'dismissed';

export interface Appearance {
  emoji: string;
  color: string;
}

export interface Teammate {
  id: string;
  orgId: string;
  key: string;
  catalogKey: string | null;
  name: string;
  role: string;
  description: string | null;
  category: string | null;
  personality: string;
  instructions: string;
  model: string | null;
  tools: string[];
  appearance: Appearance;
  /** Stored per-teammate settings (JSON object); read through services/teammate-settings.ts. */
  settings: Record<string, unknown>;
  status: TeammateStatus;
  createdBy: string | null;
  hiredAt: Date;
  dismissedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The persona fields a teammate is made of (from a manifest, an input or an imported document). */
export type Persona = Pick<
  Teammate,
  'name' | 'role' | 'description' | 'category' | 'personality' | 'instructions' | 'model' | 'tools' | 'appearance'
>;

const columns = [
  'id', 'org_id', 'key', 'catalog_key', 'name', 'role', 'description', 'category', 'personality', 'instructions',
  'model', 'tools', 'appearance', 'settings', 'status', 'created_by', 'hired_at', 'dismissed_at', 'created_at', 'updated_at',
] as const;

/** The columns `toTeammate` reads (for statements of other repositories that return a teammate too). */
export const teammateColumnNames: ReadonlyArray<(typeof columns)[number]> = columns;

export function toTeammate(row: Pick<Selectable<Teammates>, (typeof columns)[number]>): Teammate {
  return {
    id: row.id,
    orgId: row.org_id,
    key: row.key,
    catalogKey: row.catalog_key,
    name: row.name,
    role: row.role,
    description: row.description,
    category: row.category,
    personality: row.personality,
    instructions: row.instructions,
    model: row.model,
    tools: row.tools,
    appearance: row.appearance as unknown as Appearance,
    settings: (row.settings ?? {}) as Record<string, unknown>,
    status: row.status as TeammateStatus,
    createdBy: row.created_by,
    hiredAt: row.hired_at,
    dismissedAt: row.dismissed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function personaColumns(p: Persona) {
  return {
    name: p.name,
    role: p.role,
    description: p.description,
    category: p.category,
    personality: p.personality,
    instructions: p.instructions,
    model: p.model,
    tools: p.tools,
    appearance: JSON.stringify(p.appearance),
  };
}

export async function findTeammatesInOrg(db: Executor, orgId: string, ids: readonly string[]): Promise<Teammate[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('teammates').select(columns).where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
  return rows.map(toTeammate);
}

export async function findTeammate(db: Executor, orgId: string, id: string, lock = false): Promise<Teammate | undefined> {
  let query = db.selectFrom('teammates').select(columns).where('org_id', '=', orgId).where('id', '=', id);
  if (lock) query = query.forNoKeyUpdate();
  const row = await query.executeTakeFirst();
  return row && toTeammate(row);
}

export async function findTeammateByCatalogKey(db: Executor, orgId: string, catalogKey: string): Promise<Teammate | undefined> {
  const row = await db
    .selectFrom('teammates')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('catalog_key', '=', catalogKey)
    .forNoKeyUpdate()
    .executeTakeFirst();
  return row && toTeammate(row);
}

export interface TeammatePosition {
  hiredAt: Date;
  id: string;
}

/**
 * A page of an org's teammates, newest hire first, keyset-paginated on (hired_at, id): `after` and
 * `before` are positions; `inverted` reads from the other end (for `last`), as Pothos' cursor helper expects.
 */
export async function listTeammates(
  db: Executor,
  orgId: string,
  options: { status?: TeammateStatus; limit: number; after?: TeammatePosition; before?: TeammatePosition; inverted: boolean },
): Promise<Teammate[]> {
  const direction = options.inverted ? 'asc' : 'desc';
  let query = db
    .selectFrom('teammates')
    .select(columns)
    .where('org_id', '=', orgId)
    .orderBy('hired_at', direction)
    .orderBy('id', direction)
    .limit(options.limit);
  if (options.status) query = query.where('status', '=', options.status);
  const { after, before } = options;
  if (after) query = query.where((eb) => eb(eb.refTuple('hired_at', 'id'), '<', eb.tuple(after.hiredAt, after.id)));
  if (before) query = query.where((eb) => eb(eb.refTuple('hired_at', 'id'), '>', eb.tuple(before.hiredAt, before.id)));
  return (await query.execute()).map(toTeammate);
}

/** Catalog keys the org has hired (status hired), for the catalog's `hired` flag. */
export async function hiredCatalogKeys(db: Executor, orgId: string): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('teammates')
    .select(['id', 'catalog_key'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'hired')
    .where('catalog_key', 'is not', null)
    .execute();
  return new Map(rows.map((r) => [r.catalog_key!, r.id]));
}

export async function countHired(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('teammates')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .where('status', '=', 'hired')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function keysInOrg(db: Executor, orgId: string, prefix: string): Promise<Set<string>> {
  const rows = await db.selectFrom('teammates').select('key').where('org_id', '=', orgId).where('key', 'like', `${prefix}%`).execute();
  return new Set(rows.map((r) => r.key));
}

export async function insertTeammate(
  db: Executor,
  values: Persona & { orgId: string; key: string; catalogKey: string | null; createdBy: string | null },
): Promise<Teammate> {
  const row = await db
    .insertInto('teammates')
    .values({
      org_id: values.orgId,
      key: values.key,
      catalog_key: values.catalogKey,
      created_by: values.createdBy,
      ...personaColumns(values),
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toTeammate(row);
}

export async function updatePersona(db: Executor, id: string, persona: Partial<Persona>): Promise<Teammate> {
  const full = personaColumns(persona as Persona);
  const set = Object.fromEntries(
    Object.entries(full).filter(([k]) => (persona as Record<string, unknown>)[k] !== undefined),
  );
  const row = await db.updateTable('teammates').set(set).where('id', '=', id).returning(columns).executeTakeFirstOrThrow();
  return toTeammate(row);
}

/** Replaces a teammate's settings (already validated); bumps nothing else. */
export async function saveTeammateSettings(db: Executor, id: string, settings: Record<string, unknown>): Promise<Teammate> {
  const row = await db.updateTable('teammates').set({ settings: JSON.stringify(settings) }).where('id', '=', id).returning(columns).executeTakeFirstOrThrow();
  return toTeammate(row);
}

/** Keeps hired copies of a catalog teammate in step with its manifest (users cannot edit those). */
export async function syncCatalogPersona(db: Executor, catalogKey: string, persona: Persona): Promise<number> {
  const result = await db.updateTable('teammates').set(personaColumns(persona)).where('catalog_key', '=', catalogKey).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function setStatus(db: Executor, id: string, status: TeammateStatus): Promise<Teammate> {
  const row = await db
    .updateTable('teammates')
    .set(status === 'hired' ? { status, hired_at: new Date(), dismissed_at: null } : { status, dismissed_at: new Date() })
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toTeammate(row);
}

/** A hired teammate of the org by handle or name (case-insensitive; a leading @ is ignored). */
export async function findHiredTeammateByName(db: Executor, orgId: string, nameOrHandle: string): Promise<Teammate | undefined> {
  const wanted = nameOrHandle.trim().replace(/^@/, '').toLowerCase();
  const rows = await db
    .selectFrom('teammates')
    .select(columns)
    .where('org_id', '=', orgId)
    .where('status', '=', 'hired')
    .where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['key']), '=', wanted),
        eb(eb.fn('lower', ['name']), '=', wanted),
        eb(eb.fn('lower', ['name']), 'like', `${wanted.replace(/[\\%_]/g, '\\$&')} %`),
      ]),
    )
    .execute();
  const teammates = rows.map(toTeammate);
  // An exact handle or full name beats a first-name match.
  return teammates.find((t) => t.key === wanted || t.name.toLowerCase() === wanted) ?? (teammates.length === 1 ? teammates[0] : undefined);
}

/** Hired teammates who are members of a thread (who may answer in it). */
export async function hiredTeammatesInThread(db: Executor, threadId: string): Promise<Teammate[]> {
  const rows = await db
    .selectFrom('teammates')
    .innerJoin('thread_members', 'thread_members.teammate_id', 'teammates.id')
    .select(columns.map((c) => `teammates.${c}` as const))
    .where('thread_members.thread_id', '=', threadId)
    .where('teammates.status', '=', 'hired')
    .orderBy('thread_members.joined_at')
    .execute();
  return rows.map(toTeammate);
}

/** Ids of the teammates hired in an organisation, in no particular order. */
export async function hiredTeammateIds(db: Executor, orgId: string): Promise<Array<{ id: string }>> {
  return db.selectFrom('teammates').select('id').where('org_id', '=', orgId).where('status', '=', 'hired').execute();
}
