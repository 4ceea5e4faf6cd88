import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table threads add column session_start_seq bigint not null default 0`.execute(db);
  await sql`
    comment on column threads.session_start_seq is
      'Teammates see only messages after this seq (the system message of the last "reset session"); 0 until a reset'
  `.execute(db);
}
