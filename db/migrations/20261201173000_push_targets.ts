import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table push_targets (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      kind text not null check (kind in ('web', 'mobile')),
      endpoint text,
      p256dh text,
      auth text,
      token text,
      platform text check (platform in ('ios', 'android')),
      created_at timestamptz not null default now(),
      check ((kind = 'web' and endpoint is not null and p256dh is not null and auth is not null)
          or (kind = 'mobile' and token is not null and platform is not null))
    )
  `.execute(db);
  await sql`create unique index push_targets_user_endpoint on push_targets (user_id, endpoint) where endpoint is not null`.execute(db);
  await sql`create unique index push_targets_user_token on push_targets (user_id, token) where token is not null`.execute(db);
  await sql`
    comment on table push_targets is
      'Where a person''s notifications go: a browser PushSubscription (web: endpoint, p256dh, auth) or an Expo push token (mobile: token, platform)'
  `.execute(db);
}
