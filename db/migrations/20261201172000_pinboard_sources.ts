import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table pinboard_posts
      add column sources jsonb not null default '[]'::jsonb,
      add column attachment_file_ids uuid[] not null default '{}',
      add column cover_image_file_id uuid references files (id) on delete set null
  `.execute(db);
  await sql`comment on column pinboard_posts.sources is 'What the post cites: [{url (http/https), label}], in order'`.execute(db);
  await sql`comment on column pinboard_posts.attachment_file_ids is 'Files of the organisation attached to the post, in order (deleted files drop out when read)'`.execute(db);
  await sql`comment on column pinboard_posts.cover_image_file_id is 'An image file of the organisation shown above the post'`.execute(db);
}
