import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table catalog_teammates (
      key text primary key check (key ~ '^[a-z][a-z0-9-]{1,39}$'),
      version text not null,
      manifest jsonb not null,
      checksum text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`comment on table catalog_teammates is 'Bundled teammates (src/agents/catalog), seeded at start; checksum detects changed manifests'`.execute(db);
  await sql`create trigger catalog_teammates_updated_at before update on catalog_teammates for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table teammates (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      key text not null check (key ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
      catalog_key text references catalog_teammates (key) on delete set null,
      name text not null check (length(name) between 1 and 40),
      role text not null check (length(role) between 1 and 80),
      description text,
      category text,
      personality text not null,
      instructions text not null,
      model text,
      tools text[] not null default '{}',
      appearance jsonb not null default '{}',
      status text not null default 'hired' check (status in ('hired', 'dismissed')),
      created_by uuid references users (id) on delete set null,
      hired_at timestamptz not null default date_trunc('milliseconds', now()),
      dismissed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, key)
    )
  `.execute(db);
  await sql`comment on column teammates.catalog_key is 'The catalog entry this teammate was hired from; null for self-made teammates'`.execute(db);
  await sql`create unique index teammates_org_catalog_key on teammates (org_id, catalog_key) where catalog_key is not null`.execute(db);
  await sql`create index teammates_org_status_idx on teammates (org_id, status)`.execute(db);
  await sql`create index teammates_catalog_key_idx on teammates (catalog_key)`.execute(db);
  await sql`create trigger teammates_updated_at before update on teammates for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table memories (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      teammate_id uuid not null references teammates (id) on delete cascade,
      scope text not null default 'teammate' check (scope in ('teammate', 'thread')),
      thread_id uuid,
      content text not null check (length(content) between 1 and 4000),
      created_by_user uuid references users (id) on delete set null,
      created_by_run uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((scope = 'thread') = (thread_id is not null))
    )
  `.execute(db);
  await sql`comment on column memories.thread_id is 'For thread-scoped notes; the foreign key arrives with the threads table'`.execute(db);
  await sql`create index memories_teammate_idx on memories (teammate_id, created_at)`.execute(db);
  await sql`create index memories_org_idx on memories (org_id)`.execute(db);
  await sql`create trigger memories_updated_at before update on memories for each row execute function tmates_set_updated_at()`.execute(db);
}
