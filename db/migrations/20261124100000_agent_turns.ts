import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table runs
      add column kind text not null default 'reply' check (kind in ('reply', 'delegation')),
      add column parent_run_id uuid references runs (id) on delete cascade,
      add column depth int not null default 0 check (depth between 0 and 5),
      add column input text check (input is null or length(input) <= 32000),
      add column output text,
      add column worker_id text,
      add column heartbeat_at timestamptz,
      add column through_seq bigint,
      add column duration_ms int,
      add constraint runs_parent_kind check ((kind = 'delegation') = (parent_run_id is not null))
  `.execute(db);
  await sql`comment on column runs.kind is 'reply: answers in the thread with a message; delegation: answers another teammate (ask_teammate), output only'`.execute(db);
  await sql`comment on column runs.attempt is 'Incremented at every start; writes of an attempt are fenced by it, so a stale worker cannot overwrite a newer one'`.execute(db);
  await sql`comment on column runs.worker_id is 'graphile-worker id holding the job while running; used to unlock the job of a worker that died'`.execute(db);
  await sql`comment on column runs.heartbeat_at is 'Refreshed while running; a stale heartbeat means the worker died and the run is recovered'`.execute(db);
  await sql`comment on column runs.through_seq is 'Newest thread message the run has seen (queued messages are answered by the next run)'`.execute(db);
  await sql`create index runs_parent_idx on runs (parent_run_id)`.execute(db);
  await sql`create index runs_thread_teammate_active_idx on runs (thread_id, teammate_id) where status in ('queued', 'running')`.execute(db);
  await sql`create index runs_running_heartbeat_idx on runs (heartbeat_at) where status = 'running'`.execute(db);
  await sql`create index runs_org_created_idx on runs (org_id, created_at desc, id desc)`.execute(db);

  await sql`
    create table run_steps (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      run_id uuid not null references runs (id) on delete cascade,
      position int not null,
      attempt int not null,
      tool_name text not null,
      tool_call_id text,
      input jsonb not null default '{}',
      output jsonb,
      error text,
      status text not null default 'running' check (status in ('running', 'succeeded', 'failed')),
      child_run_id uuid references runs (id) on delete set null,
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      unique (run_id, attempt, position)
    )
  `.execute(db);
  await sql`comment on table run_steps is 'Tool calls a run made, with input and output, for transparency'`.execute(db);
  await sql`create index run_steps_org_idx on run_steps (org_id)`.execute(db);
  await sql`create index run_steps_child_run_idx on run_steps (child_run_id)`.execute(db);

  await sql`
    create table usage_events (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      kind text not null check (kind ~ '^[a-z][a-z_]{1,39}$'),
      run_id uuid references runs (id) on delete set null,
      teammate_id uuid references teammates (id) on delete set null,
      user_id uuid references users (id) on delete set null,
      model text,
      quantity int not null default 0 check (quantity >= 0),
      prompt_tokens int not null default 0 check (prompt_tokens >= 0),
      completion_tokens int not null default 0 check (completion_tokens >= 0),
      duration_ms int,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`comment on table usage_events is 'What an organisation spent: one row per run (quantity 1, tokens when it ends) and per auxiliary model call (routing, summaries)'`.execute(db);
  await sql`create index usage_events_org_created_idx on usage_events (org_id, created_at)`.execute(db);
  await sql`create unique index usage_events_run_key on usage_events (run_id) where kind = 'run'`.execute(db);
  await sql`create index usage_events_teammate_idx on usage_events (teammate_id)`.execute(db);
  await sql`create index usage_events_user_idx on usage_events (user_id)`.execute(db);

  await sql`
    create table thread_summaries (
      thread_id uuid not null references threads (id) on delete cascade,
      teammate_id uuid not null references teammates (id) on delete cascade,
      org_id uuid not null references orgs (id) on delete cascade,
      through_seq bigint not null,
      summary text not null check (length(summary) <= 20000),
      updated_at timestamptz not null default now(),
      primary key (thread_id, teammate_id)
    )
  `.execute(db);
  await sql`comment on table thread_summaries is 'A teammate''s running summary of a thread''s older messages (through through_seq), so long transcripts are summarised, not silently cut'`.execute(db);
  await sql`create index thread_summaries_teammate_idx on thread_summaries (teammate_id)`.execute(db);
  await sql`create index thread_summaries_org_idx on thread_summaries (org_id)`.execute(db);
  await sql`create trigger thread_summaries_updated_at before update on thread_summaries for each row execute function tmates_set_updated_at()`.execute(db);
}
