import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table schedules (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      thread_id uuid not null references threads (id) on delete cascade,
      created_by uuid references users (id) on delete set null,
      instruction text not null check (length(instruction) between 1 and 4000),
      cron text not null check (length(cron) between 9 and 200),
      timezone text not null check (length(timezone) between 1 and 64),
      teammate_ids uuid[] not null default '{}',
      coordinator_id uuid references teammates (id) on delete set null,
      token_budget int check (token_budget is null or token_budget > 0),
      paused boolean not null default false,
      next_run_at timestamptz,
      last_run_at timestamptz,
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`comment on table schedules is 'Recurring goals: every occurrence of the cron expression (in the time zone) becomes one goal'`.execute(db);
  await sql`create index schedules_due_idx on schedules (next_run_at) where not paused`.execute(db);
  await sql`create index schedules_org_idx on schedules (org_id, created_at desc, id desc)`.execute(db);
  await sql`create index schedules_thread_idx on schedules (thread_id)`.execute(db);
  await sql`create index schedules_coordinator_idx on schedules (coordinator_id)`.execute(db);
  await sql`create index schedules_created_by_idx on schedules (created_by)`.execute(db);
  await sql`create trigger schedules_updated_at before update on schedules for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table goals (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      thread_id uuid not null references threads (id) on delete cascade,
      created_by uuid references users (id) on delete set null,
      instruction text not null check (length(instruction) between 1 and 4000),
      coordinator_id uuid not null references teammates (id) on delete cascade,
      teammate_ids uuid[] not null,
      status text not null default 'planning' check (status in ('planning', 'running', 'reporting', 'succeeded', 'failed', 'cancelled')),
      token_budget int not null check (token_budget > 0),
      deadline timestamptz,
      round int not null default 0,
      request_message_id uuid references messages (id) on delete set null,
      plan_message_id uuid references messages (id) on delete set null,
      report text,
      report_message_id uuid references messages (id) on delete set null,
      pinboard_post_id uuid references pinboard_posts (id) on delete set null,
      error text,
      schedule_id uuid references schedules (id) on delete set null,
      occurrence_at timestamptz,
      started_at timestamptz,
      finished_at timestamptz,
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      updated_at timestamptz not null default now(),
      unique (schedule_id, occurrence_at)
    )
  `.execute(db);
  await sql`comment on column goals.request_message_id is 'The message in the thread that asked for the goal; the goal''s runs answer it'`.execute(db);
  await sql`comment on column goals.round is 'Plan version: 0 for the first plan, 1 after a re-plan'`.execute(db);
  await sql`comment on column goals.occurrence_at is 'For scheduled goals: the occurrence it is for (unique per schedule, so two workers never create two)'`.execute(db);
  await sql`create index goals_org_created_idx on goals (org_id, created_at desc, id desc)`.execute(db);
  await sql`create index goals_thread_idx on goals (thread_id)`.execute(db);
  await sql`create index goals_coordinator_idx on goals (coordinator_id)`.execute(db);
  await sql`create index goals_created_by_idx on goals (created_by)`.execute(db);
  await sql`create index goals_request_message_idx on goals (request_message_id)`.execute(db);
  await sql`create index goals_plan_message_idx on goals (plan_message_id)`.execute(db);
  await sql`create index goals_report_message_idx on goals (report_message_id)`.execute(db);
  await sql`create index goals_pinboard_post_idx on goals (pinboard_post_id)`.execute(db);
  await sql`create trigger goals_updated_at before update on goals for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table goal_tasks (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      goal_id uuid not null references goals (id) on delete cascade,
      round int not null,
      position int not null check (position >= 1),
      title text not null check (length(title) between 1 and 200),
      instructions text not null check (length(instructions) <= 4000),
      done_when text not null check (length(done_when) <= 1000),
      assignee_id uuid not null references teammates (id) on delete cascade,
      status text not null default 'pending' check (status in ('pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped')),
      result text,
      progress text,
      error text,
      attempts int not null default 0,
      started_at timestamptz,
      finished_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      unique (goal_id, round, position)
    )
  `.execute(db);
  await sql`create index goal_tasks_assignee_idx on goal_tasks (assignee_id)`.execute(db);
  await sql`create index goal_tasks_org_idx on goal_tasks (org_id)`.execute(db);
  await sql`create trigger goal_tasks_updated_at before update on goal_tasks for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table goal_task_dependencies (
      task_id uuid not null references goal_tasks (id) on delete cascade,
      depends_on_id uuid not null references goal_tasks (id) on delete cascade,
      primary key (task_id, depends_on_id),
      check (task_id <> depends_on_id)
    )
  `.execute(db);
  await sql`create index goal_task_dependencies_depends_on_idx on goal_task_dependencies (depends_on_id)`.execute(db);

  // Runs now also plan goals, work on their tasks and write their reports.
  await sql`alter table runs drop constraint runs_kind_check`.execute(db);
  await sql`alter table runs add constraint runs_kind_check check (kind in ('reply', 'delegation', 'plan', 'task', 'report'))`.execute(db);
  await sql`
    alter table runs
      add column goal_id uuid references goals (id) on delete set null,
      add column goal_task_id uuid references goal_tasks (id) on delete set null,
      add constraint runs_goal_kind check (goal_id is null or kind in ('plan', 'task', 'report')),
      add constraint runs_task_kind check (goal_task_id is null or kind = 'task')
  `.execute(db);
  await sql`create index runs_goal_idx on runs (goal_id)`.execute(db);
  await sql`create index runs_goal_task_idx on runs (goal_task_id)`.execute(db);

  await sql`alter table pinboard_posts add constraint pinboard_posts_goal_fkey foreign key (goal_id) references goals (id) on delete set null`.execute(db);
  await sql`create index pinboard_posts_goal_idx on pinboard_posts (goal_id)`.execute(db);
}
