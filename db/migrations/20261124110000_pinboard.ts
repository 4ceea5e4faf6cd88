import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  // array_to_string is only STABLE in general (element output functions may be), but for text[] it is
  // deterministic; the wrapper lets a generated column use it.
  await sql`
    create function pinboard_search_vector(title text, tags text[], body text) returns tsvector
    language sql immutable parallel safe as $$
      select setweight(to_tsvector('english', coalesce(title, '')), 'A')
          || setweight(to_tsvector('english', coalesce(array_to_string(tags, ' '), '')), 'B')
          || setweight(to_tsvector('english', coalesce(body, '')), 'C')
    $$
  `.execute(db);
  await sql`comment on function pinboard_search_vector(text, text[], text) is 'Full-text search of a pinboard post: title (A) outranks tags (B) outrank the body (C).'`.execute(db);

  await sql`
    create table pinboard_posts (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      author_kind text not null check (author_kind in ('user', 'teammate')),
      author_user_id uuid references users (id) on delete set null,
      author_teammate_id uuid references teammates (id) on delete set null,
      title text not null check (length(title) between 1 and 200),
      slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
      body_md text not null check (length(body_md) <= 100000),
      excerpt text not null default '' check (length(excerpt) <= 300),
      priority text not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
      pinned boolean not null default false,
      tags text[] not null default '{}' check (cardinality(tags) <= 10),
      source_thread_id uuid references threads (id) on delete set null,
      source_run_id uuid references runs (id) on delete set null,
      goal_id uuid,
      created_by uuid references users (id) on delete set null,
      search tsvector not null generated always as (pinboard_search_vector(title, tags, body_md)) stored,
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      updated_at timestamptz not null default now(),
      unique (org_id, slug),
      check (author_kind = 'user' or author_user_id is null),
      check (author_kind = 'teammate' or author_teammate_id is null)
    )
  `.execute(db);
  await sql`comment on table pinboard_posts is 'What the team keeps: posts by people and teammates, newest and pinned first'`.execute(db);
  await sql`comment on column pinboard_posts.author_kind is 'Who wrote it; the matching author id is null only once that account is gone'`.execute(db);
  await sql`comment on column pinboard_posts.slug is 'Permalink name from the title, unique per organisation (-2, -3… on collision); stable across edits'`.execute(db);
  await sql`comment on column pinboard_posts.excerpt is 'The first ~280 characters of the body as plain text, kept in step by the service'`.execute(db);
  await sql`comment on column pinboard_posts.goal_id is 'The goal whose report this is; the foreign key arrives with the goals table'`.execute(db);
  await sql`comment on column pinboard_posts.created_by is 'The person behind the post: its author, or the person whose message the teammate was answering'`.execute(db);
  await sql`create index pinboard_posts_org_order_idx on pinboard_posts (org_id, pinned desc, created_at desc, id desc)`.execute(db);
  await sql`create index pinboard_posts_search_idx on pinboard_posts using gin (search)`.execute(db);
  await sql`create index pinboard_posts_tags_idx on pinboard_posts using gin (tags)`.execute(db);
  await sql`create index pinboard_posts_author_user_idx on pinboard_posts (author_user_id)`.execute(db);
  await sql`create index pinboard_posts_author_teammate_idx on pinboard_posts (author_teammate_id)`.execute(db);
  await sql`create index pinboard_posts_source_thread_idx on pinboard_posts (source_thread_id)`.execute(db);
  await sql`create index pinboard_posts_source_run_idx on pinboard_posts (source_run_id)`.execute(db);
  await sql`create index pinboard_posts_created_by_idx on pinboard_posts (created_by)`.execute(db);
  await sql`create trigger pinboard_posts_updated_at before update on pinboard_posts for each row execute function tmates_set_updated_at()`.execute(db);

  // Append-only rows (never updated), so no updated_at.
  await sql`
    create table pinboard_post_revisions (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      post_id uuid not null references pinboard_posts (id) on delete cascade,
      title text not null,
      body_md text not null,
      priority text not null check (priority in ('low', 'normal', 'high', 'urgent')),
      pinned boolean not null,
      tags text[] not null,
      editor_kind text not null check (editor_kind in ('user', 'teammate')),
      editor_user_id uuid references users (id) on delete set null,
      editor_teammate_id uuid references teammates (id) on delete set null,
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      check (editor_kind = 'user' or editor_user_id is null),
      check (editor_kind = 'teammate' or editor_teammate_id is null)
    )
  `.execute(db);
  await sql`comment on table pinboard_post_revisions is 'Edit history: the post as it was before each edit, who made the edit and when'`.execute(db);
  await sql`create index pinboard_post_revisions_post_idx on pinboard_post_revisions (post_id, created_at desc, id desc)`.execute(db);
  await sql`create index pinboard_post_revisions_org_idx on pinboard_post_revisions (org_id)`.execute(db);
  await sql`create index pinboard_post_revisions_editor_user_idx on pinboard_post_revisions (editor_user_id)`.execute(db);
  await sql`create index pinboard_post_revisions_editor_teammate_idx on pinboard_post_revisions (editor_teammate_id)`.execute(db);

  await sql`
    create table pinboard_comments (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      post_id uuid not null references pinboard_posts (id) on delete cascade,
      author_kind text not null check (author_kind in ('user', 'teammate')),
      author_user_id uuid references users (id) on delete set null,
      author_teammate_id uuid references teammates (id) on delete set null,
      body text not null check (length(body) between 1 and 10000),
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      check (author_kind = 'user' or author_user_id is null),
      check (author_kind = 'teammate' or author_teammate_id is null)
    )
  `.execute(db);
  await sql`create index pinboard_comments_post_idx on pinboard_comments (post_id, created_at, id)`.execute(db);
  await sql`create index pinboard_comments_org_idx on pinboard_comments (org_id)`.execute(db);
  await sql`create index pinboard_comments_author_user_idx on pinboard_comments (author_user_id)`.execute(db);
  await sql`create index pinboard_comments_author_teammate_idx on pinboard_comments (author_teammate_id)`.execute(db);
}
