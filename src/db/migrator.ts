import { fileURLToPath } from 'node:url';
import { Kysely, Migrator, type MigrationResultSet } from 'kysely';
import { migrations } from '../../db/migrations/index.ts';
import { runMigrations as runWorkerMigrations } from 'graphile-worker';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { graphileLogger } from './graphile-logger.ts';

export const migrationFolder = fileURLToPath(new URL('../../db/migrations', import.meta.url));

/**
 * Forward-only migrations from `db/migrations` (Kysely's migrator: every pending migration runs in
 * one transaction under a Postgres advisory lock, so processes that start together do not race),
 * then graphile-worker's own schema (also lock-protected).
 */
function migrator(db: Kysely<unknown>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Migrations are never rolled back or reordered once applied.
    allowUnorderedMigrations: false,
  });
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function migrateToLatest(db: Kysely<unknown>, pool: pg.Pool, logger: Logger): Promise<string[]> {
  const { error, results } = (await migrator(db).migrateToLatest()) as MigrationResultSet;
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  const failed = (results ?? []).find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${failed?.migrationName ?? ''} failed: ${reason}`.replace('  ', ' '));
  }
  for (const name of applied) logger.info({ migration: name }, 'applied migration');
  await runWorkerMigrations({ pgPool: pool, logger: graphileLogger(logger) });
  return applied;
}

/** Names of migrations on disk that the database has not applied (empty when up to date). */
export async function pendingMigrations(db: Kysely<unknown>): Promise<string[]> {
  const migrations = await migrator(db).getMigrations();
  return migrations.filter((m) => !m.executedAt).map((m) => m.name);
}
