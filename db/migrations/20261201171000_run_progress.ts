import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table runs add column progress jsonb`.execute(db);
  await sql`
    comment on column runs.progress is
      'The latest report_progress of the run: {stage, percent (0-100 or null), message, at}; null before any'
  `.execute(db);
}
