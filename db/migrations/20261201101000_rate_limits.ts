import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The shape rate-limiter-flexible's PostgreSQL store expects (it is told the table exists).
  await sql`
    create table rate_limits (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    )
  `.execute(db);
  await sql`
    comment on table rate_limits is
      'Rate-limit counters shared by every process (rate-limiter-flexible): key = <limiter>:<subject>, expire in ms since the epoch'
  `.execute(db);
}
