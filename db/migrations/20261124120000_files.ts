import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table files (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references orgs (id) on delete cascade,
      uploaded_by uuid references users (id) on delete set null,
      created_by_teammate_id uuid references teammates (id) on delete set null,
      created_by_run_id uuid references runs (id) on delete set null,
      name text not null check (length(name) between 1 and 255),
      content_type text not null check (length(content_type) between 1 and 255),
      size_bytes bigint not null check (size_bytes >= 0),
      sha256 text check (sha256 ~ '^[0-9a-f]{64}$'),
      storage_backend text not null check (storage_backend in ('local', 's3', 'supabase')),
      storage_key text not null check (length(storage_key) between 1 and 1024),
      status text not null check (status in ('pending', 'uploaded', 'processing', 'ready', 'failed')),
      error text check (error is null or length(error) <= 2000),
      extracted_text text,
      metadata jsonb not null default '{}',
      upload_expires_at timestamptz,
      search tsvector generated always as (
        setweight(
          to_tsvector('simple', regexp_replace(name, '[^[:alnum:]]+', ' ', 'g'))
            || to_tsvector('english', regexp_replace(name, '[^[:alnum:]]+', ' ', 'g')),
          'A'
        )
        || setweight(to_tsvector('english', left(coalesce(extracted_text, ''), 200000)), 'B')
      ) stored,
      created_at timestamptz not null default date_trunc('milliseconds', now()),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz,
      unique (storage_backend, storage_key),
      check (status <> 'pending' or upload_expires_at is not null),
      check (status = 'pending' or sha256 is not null)
    )
  `.execute(db);
  await sql`comment on column files.uploaded_by is 'The person who uploaded it; null for files a teammate made (created_by_teammate_id) or once the person is gone'`.execute(db);
  await sql`comment on column files.storage_key is 'Object key in the storage backend: made from org and file ids, never from the uploaded name'`.execute(db);
  await sql`comment on column files.status is 'pending (direct upload not completed yet) → uploaded → processing → ready | failed'`.execute(db);
  await sql`comment on column files.metadata is 'What ingestion learned: pageCount, rowCount, isImage, textTruncated'`.execute(db);
  await sql`comment on column files.upload_expires_at is 'A pending direct upload is discarded after this instant'`.execute(db);
  await sql`comment on column files.search is 'Full-text index: the name (weight A) and the first 200k characters of the extracted text (weight B)'`.execute(db);
  await sql`comment on column files.deleted_at is 'Deleted files keep a tombstone row (message history refers to it); their object and text are gone'`.execute(db);
  await sql`create index files_org_created_idx on files (org_id, created_at desc, id desc) where deleted_at is null`.execute(db);
  await sql`create index files_search_idx on files using gin (search)`.execute(db);
  await sql`create index files_uploaded_by_idx on files (uploaded_by)`.execute(db);
  await sql`create index files_teammate_idx on files (created_by_teammate_id)`.execute(db);
  await sql`create index files_run_idx on files (created_by_run_id)`.execute(db);
  await sql`create index files_pending_expiry_idx on files (upload_expires_at) where status = 'pending'`.execute(db);
  await sql`create trigger files_updated_at before update on files for each row execute function tmates_set_updated_at()`.execute(db);

  await sql`
    create table message_files (
      message_id uuid not null references messages (id) on delete cascade,
      file_id uuid not null references files (id) on delete cascade,
      org_id uuid not null references orgs (id) on delete cascade,
      position int not null check (position >= 0),
      created_at timestamptz not null default now(),
      primary key (message_id, file_id)
    )
  `.execute(db);
  await sql`comment on column message_files.position is 'Order of the attachment in its message, from 0'`.execute(db);
  await sql`create index message_files_file_idx on message_files (file_id)`.execute(db);
  await sql`create index message_files_org_idx on message_files (org_id)`.execute(db);
}
