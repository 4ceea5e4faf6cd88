import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table threads (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      kind text not null check (kind in ('direct', 'team')),
      title text check (title is null or length(title) between 1 and 200),
      is_default boolean not null default false,
      created_by uuid references users (id) on delete set null,
      lead_teammate_id uuid references teammates (id) on delete set null,
      direct_user_id uuid references users (id) on delete cascade,
      direct_teammate_id uuid references teammates (id) on delete cascade,
      busy_policy text not null default 'queue' check (busy_policy in ('queue', 'interrupt')),
      last_seq bigint not null default 0,
      last_event_seq bigint not null default 0,
      last_message_at timestamptz,
      archived_at timestamptz,
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      updated_at timestamptz not null default now(),
      check ((kind = 'direct') = (direct_user_id is not null and direct_teammate_id is not null)),
      check (not is_default or kind = 'team')
    )
  `.execute(db);
  await sql`comment on column threads.last_seq is 'Highest message seq; allocated under this row''s lock in the inserting transaction'`.execute(db);
  await sql`comment on column threads.last_event_seq is 'Highest durable event (message created or changed); the cursor of threadEvents'`.execute(db);
  await sql`create unique index threads_direct_key on threads (org_id, direct_user_id, direct_teammate_id) where kind = 'direct'`.execute(db);
  await sql`create unique index threads_default_key on threads (org_id) where is_default`.execute(db);
  await sql`create index threads_org_activity_idx on threads (org_id, (coalesce(last_message_at, created_at)) desc, id desc)`.execute(db);
  await sql`create index threads_lead_teammate_idx on threads (lead_teammate_id)`.execute(db);
  await sql`create index threads_direct_teammate_idx on threads (direct_teammate_id)`.execute(db);
  await sql`create trigger threads_updated_at before update on threads for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table thread_members (
      id uuid primary key default gen_random_uuid(),
      thread_id uuid not null references threads (id) on delete cascade,
      user_id uuid references users (id) on delete cascade,
      teammate_id uuid references teammates (id) on delete cascade,
      last_read_seq bigint not null default 0,
      joined_at timestamptz not null default now(),
      check ((user_id is null) <> (teammate_id is null))
    )
  `.execute(db);
  await sql`create unique index thread_members_user_key on thread_members (thread_id, user_id) where user_id is not null`.execute(db);
  await sql`create unique index thread_members_teammate_key on thread_members (thread_id, teammate_id) where teammate_id is not null`.execute(db);
  await sql`create index thread_members_user_idx on thread_members (user_id)`.execute(db);
  await sql`create index thread_members_teammate_idx on thread_members (teammate_id)`.execute(db);

  await sql`
    create table runs (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      thread_id uuid not null references threads (id) on delete cascade,
      teammate_id uuid not null references teammates (id) on delete cascade,
      trigger_message_id uuid,
      status text not null default 'queued' check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      attempt int not null default 0,
      error text,
      model text,
      prompt_tokens int not null default 0,
      completion_tokens int not null default 0,
      started_at timestamptz,
      finished_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index runs_thread_idx on runs (thread_id, created_at)`.execute(db);
  await sql`create index runs_org_status_idx on runs (org_id, status)`.execute(db);
  await sql`create index runs_teammate_idx on runs (teammate_id)`.execute(db);
  await sql`create trigger runs_updated_at before update on runs for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table messages (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      thread_id uuid not null references threads (id) on delete cascade,
      seq bigint not null,
      event_seq bigint not null,
      author_kind text not null check (author_kind in ('user', 'teammate', 'system')),
      author_user_id uuid references users (id) on delete set null,
      author_teammate_id uuid references teammates (id) on delete set null,
      body text not null default '' check (length(body) <= 100000),
      status text not null default 'complete' check (status in ('pending', 'streaming', 'complete', 'failed', 'cancelled')),
      error text,
      run_id uuid references runs (id) on delete set null,
      client_message_id text check (client_message_id is null or length(client_message_id) between 1 and 100),
      metadata jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (thread_id, seq),
      unique (thread_id, event_seq)
    )
  `.execute(db);
  await sql`comment on column messages.event_seq is 'Thread event position of the latest change to this message (creation or update)'`.execute(db);
  await sql`create unique index messages_client_id_key on messages (thread_id, author_user_id, client_message_id) where client_message_id is not null`.execute(db);
  await sql`create unique index messages_run_key on messages (run_id) where run_id is not null`.execute(db);
  await sql`create index messages_org_idx on messages (org_id)`.execute(db);
  await sql`create index messages_author_user_idx on messages (author_user_id)`.execute(db);
  await sql`create index messages_author_teammate_idx on messages (author_teammate_id)`.execute(db);
  await sql`create trigger messages_updated_at before update on messages for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`alter table runs add constraint runs_trigger_message_fkey foreign key (trigger_message_id) references messages (id) on delete set null`.execute(db);
  await sql`create index runs_trigger_message_idx on runs (trigger_message_id)`.execute(db);
  await sql`alter table memories add constraint memories_thread_fkey foreign key (thread_id) references threads (id) on delete cascade`.execute(db);
  await sql`create index memories_thread_idx on memories (thread_id)`.execute(db);
}
