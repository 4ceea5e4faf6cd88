import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id uuid primary key default gen_random_uuid(),
      email text not null check (email = lower(email) and length(email) between 3 and 320),
      display_name text not null check (length(display_name) between 1 and 100),
      avatar_url text check (avatar_url is null or length(avatar_url) <= 2048),
      password_hash text,
      external_id text unique,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create unique index users_email_key on users (email)`.execute(db);
  await sql`comment on column users.external_id is 'Subject (sub) of the external identity provider, e.g. a Supabase user id'`.execute(db);
  await sql`create trigger users_updated_at before update on users for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table orgs (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 100),
      kind text not null check (kind in ('personal', 'team')),
      personal_owner_id uuid unique references users (id) on delete cascade,
      settings jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((kind = 'personal') = (personal_owner_id is not null))
    )
  `.execute(db);
  await sql`comment on column orgs.personal_owner_id is 'Set for personal orgs only; unique, so a user can never get two'`.execute(db);
  await sql`create trigger orgs_updated_at before update on orgs for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table org_members (
      org_id uuid not null references orgs (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      role text not null check (role in ('owner', 'admin', 'member')),
      created_at timestamptz not null default now(),
      primary key (org_id, user_id)
    )
  `.execute(db);
  await sql`create index org_members_user_id_idx on org_members (user_id)`.execute(db);

  await sql`
    create table org_invitations (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      email text not null check (email = lower(email)),
      role text not null check (role in ('admin', 'member')),
      token_hash text not null unique,
      invited_by uuid references users (id) on delete set null,
      expires_at timestamptz not null,
      accepted_at timestamptz,
      accepted_by uuid references users (id) on delete set null,
      revoked_at timestamptz,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index org_invitations_org_id_idx on org_invitations (org_id)`.execute(db);

  await sql`
    create table api_keys (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      created_by uuid not null references users (id) on delete cascade,
      name text not null check (length(name) between 1 and 100),
      prefix text not null,
      key_hash text not null unique,
      last_used_at timestamptz,
      expires_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create index api_keys_org_id_idx on api_keys (org_id)`.execute(db);
  await sql`create index api_keys_created_by_idx on api_keys (created_by)`.execute(db);

  await sql`
    create table user_settings (
      user_id uuid primary key references users (id) on delete cascade,
      settings jsonb not null default '{}',
      updated_at timestamptz not null default now()
    )
  `.execute(db);
  await sql`create trigger user_settings_updated_at before update on user_settings for each row execute function tmates_set_updated_at()`.execute(db);
}
