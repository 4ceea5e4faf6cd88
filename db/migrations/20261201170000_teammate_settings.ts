import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table teammates add column settings jsonb not null default '{}'::jsonb`.execute(db);
  await sql`
    comment on column teammates.settings is
      'Per-teammate settings (reply language, formality, how often to pin summaries), validated by services/teammate-settings.ts'
  `.execute(db);
}
