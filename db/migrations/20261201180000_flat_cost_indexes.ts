import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
//
// Indexes that keep hot-path requests flat as an installation grows (issue 19, `npm run bench:data`).
export async function up(db: Kysely<unknown>): Promise<void> {
  // Full-text search is always scoped to one organisation. A GIN index on the tsvector alone finds a
  // word's rows in every organisation and filters by org afterwards — work that grows with the whole
  // installation. btree_gin (a trusted contrib extension: managed PostgreSQL and Supabase offer it)
  // lets one GIN index hold (org_id, search), so a lookup reads only the organisation's matches.
  await sql`create extension if not exists btree_gin`.execute(db);
  await sql`create index pinboard_posts_org_search_idx on pinboard_posts using gin (org_id, search)`.execute(db);
  await sql`drop index pinboard_posts_search_idx`.execute(db);
  await sql`create index files_org_search_idx on files using gin (org_id, search) where deleted_at is null`.execute(db);
  await sql`drop index files_search_idx`.execute(db);

  // Members of a thread (lists, participants, mentions) are looked up by thread; the two unique
  // indexes on (thread_id, user_id) and (thread_id, teammate_id) are partial, so such a lookup read
  // every membership of the installation.
  await sql`create index thread_members_thread_idx on thread_members (thread_id)`.execute(db);

  // A subscriber resuming a thread asks for its replies still streaming; without this the lookup
  // reads every message of the thread (the streaming index is keyed by run, for the sweeper).
  await sql`create index messages_thread_streaming_idx on messages (thread_id) where status = 'streaming'`.execute(db);
}
