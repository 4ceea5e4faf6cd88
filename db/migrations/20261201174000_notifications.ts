import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table notifications (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      kind text not null check (kind in ('direct_message', 'team_message', 'mention', 'goal_succeeded', 'goal_failed', 'tool_approval')),
      thread_id uuid references threads (id) on delete cascade,
      goal_id uuid references goals (id) on delete cascade,
      approval_id uuid references tool_approvals (id) on delete cascade,
      title text not null,
      body text not null,
      count integer not null default 1 check (count >= 1),
      source_keys text[] not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      read_at timestamptz,
      sent_at timestamptz,
      sent_count integer not null default 0,
      delivery jsonb not null default '{}'
    )
  `.execute(db);
  await sql`create index notifications_user_created_idx on notifications (user_id, created_at desc, id desc)`.execute(db);
  await sql`create index notifications_user_unread_idx on notifications (user_id, thread_id) where read_at is null`.execute(db);
  await sql`create index notifications_org_idx on notifications (org_id)`.execute(db);
  await sql`create index notifications_thread_idx on notifications (thread_id)`.execute(db);
  await sql`create index notifications_goal_idx on notifications (goal_id)`.execute(db);
  await sql`create index notifications_approval_idx on notifications (approval_id)`.execute(db);
  await sql`create trigger notifications_updated_at before update on notifications for each row execute function tmates_set_updated_at()`.execute(db);
  await sql`
    comment on table notifications is
      'What a person is told about while away: one row per event, or per thread for messages (coalesced: count is the messages it stands for)'
  `.execute(db);
  await sql`comment on column notifications.source_keys is 'Events already counted in this row (message:<id>…), so a retried job counts nothing twice'`.execute(db);
  await sql`comment on column notifications.sent_count is 'count as of the last delivery: a flush at the end of the coalescing window pushes only when count grew'`.execute(db);
  await sql`comment on column notifications.delivery is 'Outcome per channel of the last delivery: {"web": "sent", "email": "skipped", …}'`.execute(db);

  await sql`
    create table live_sessions (
      id uuid primary key,
      user_id uuid not null references users (id) on delete cascade,
      thread_id uuid references threads (id) on delete cascade,
      seen_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index live_sessions_user_thread_idx on live_sessions (user_id, thread_id)`.execute(db);
  await sql`create index live_sessions_thread_idx on live_sessions (thread_id)`.execute(db);
  await sql`create index live_sessions_seen_idx on live_sessions (seen_at)`.execute(db);
  await sql`
    comment on table live_sessions is
      'Open subscriptions of people, across API processes: a threadEvents subscription (thread_id set: watching it) or viewerEvents (thread_id null: online). Refreshed by heartbeat; stale rows are ignored'
  `.execute(db);
}
