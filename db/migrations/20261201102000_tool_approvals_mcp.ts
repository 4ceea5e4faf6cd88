import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table runs drop constraint runs_status_check`.execute(db);
  await sql`
    alter table runs add constraint runs_status_check
      check (status in ('queued', 'running', 'waiting_for_approval', 'succeeded', 'failed', 'cancelled'))
  `.execute(db);
  await sql`comment on column runs.status is 'waiting_for_approval: parked (no job, no worker) until a person answers its tool_approvals row'`.execute(db);

  await sql`
    create table tool_policies (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      teammate_id uuid references teammates (id) on delete cascade,
      tool text not null check (tool ~ '^[A-Za-z0-9_.-]{1,130}$'),
      policy text not null check (policy in ('auto', 'ask', 'off')),
      updated_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`comment on table tool_policies is 'Whether a tool runs at once (auto), waits for a person (ask) or is not offered (off); a teammate row overrides the organisation row (teammate_id null)'`.execute(db);
  await sql`create unique index tool_policies_org_tool_key on tool_policies (org_id, tool) where teammate_id is null`.execute(db);
  await sql`create unique index tool_policies_teammate_tool_key on tool_policies (teammate_id, tool) where teammate_id is not null`.execute(db);
  await sql`create index tool_policies_updated_by_idx on tool_policies (updated_by)`.execute(db);
  await sql`create trigger tool_policies_updated_at before update on tool_policies for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table tool_approvals (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      run_id uuid not null references runs (id) on delete cascade,
      thread_id uuid not null references threads (id) on delete cascade,
      teammate_id uuid not null references teammates (id) on delete cascade,
      tool text not null,
      tool_call_id text,
      arguments jsonb not null default '{}',
      status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'expired')),
      reason text check (reason is null or length(reason) <= 2000),
      decided_by uuid references users (id) on delete set null,
      decided_at timestamptz,
      expires_at timestamptz not null,
      resume_state jsonb not null,
      execution_started_at timestamptz,
      result jsonb,
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`comment on table tool_approvals is 'A tool call of a run waiting for (or answered by) a person; the run resumes from resume_state in a new job'`.execute(db);
  await sql`comment on column tool_approvals.resume_state is 'The turn so far: model messages after the prompt, text written, the tool calls still to run, step, position and spend'`.execute(db);
  await sql`comment on column tool_approvals.execution_started_at is 'Set (once, conditionally) just before the approved tool runs: a retried attempt never runs it twice'`.execute(db);
  await sql`create index tool_approvals_run_idx on tool_approvals (run_id, created_at)`.execute(db);
  await sql`create index tool_approvals_thread_idx on tool_approvals (thread_id, created_at)`.execute(db);
  await sql`create index tool_approvals_org_pending_idx on tool_approvals (org_id, created_at) where status = 'pending'`.execute(db);
  await sql`create index tool_approvals_teammate_idx on tool_approvals (teammate_id)`.execute(db);
  await sql`create index tool_approvals_decided_by_idx on tool_approvals (decided_by)`.execute(db);
  await sql`create trigger tool_approvals_updated_at before update on tool_approvals for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table mcp_servers (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      name text not null check (name ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
      url text not null check (length(url) <= 2000),
      headers_encrypted text,
      header_names text[] not null default '{}',
      tools jsonb not null default '[]',
      status text not null default 'connected' check (status in ('connected', 'error')),
      error text,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (org_id, name)
    )
  `.execute(db);
  await sql`comment on table mcp_servers is 'MCP servers (Streamable HTTP) an organisation connected; teammates name their tools <name>.<tool>'`.execute(db);
  await sql`comment on column mcp_servers.headers_encrypted is 'JSON of the request headers, AES-256-GCM with a key derived from TMATES_SECRET; never returned'`.execute(db);
  await sql`create index mcp_servers_created_by_idx on mcp_servers (created_by)`.execute(db);
  await sql`create trigger mcp_servers_updated_at before update on mcp_servers for each row execute function tmates_set_updated_at()`.execute(db);
}
