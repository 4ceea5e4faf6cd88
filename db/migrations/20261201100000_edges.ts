import { sql, type Kysely } from 'kysely';

// Frozen in time: never edit an applied migration; add a new one. See db/CONVENTIONS.md.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table messages add column finish_reason text
      check (finish_reason in ('stop', 'length', 'content_filter', 'tool_limit', 'cancelled', 'error'))
  `.execute(db);
  await sql`
    comment on column messages.finish_reason is
      'How a teammate reply ended; set in the write that gives it its final status, null for other messages and while streaming'
  `.execute(db);

  // The sweeper looks for replies still streaming after their run ended (their worker died).
  await sql`create index messages_streaming_idx on messages (run_id) where status = 'streaming'`.execute(db);

  // Optimistic concurrency: a number that grows by one with every change of what people edit.
  await sql`
    create function tmates_bump_revision() returns trigger
    language plpgsql as $$
    begin
      new.revision := old.revision + 1;
      return new;
    end
    $$
  `.execute(db);
  await sql`comment on function tmates_bump_revision() is 'Trigger: revision + 1 when an edited column changes (optimistic concurrency).'`.execute(db);
  const edited: Array<[table: string, columns: string[]]> = [
    ['pinboard_posts', ['title', 'body_md', 'priority', 'pinned', 'tags']],
    ['teammates', ['name', 'role', 'description', 'personality', 'instructions', 'model', 'tools', 'appearance']],
    ['memories', ['content', 'scope', 'thread_id']],
    ['threads', ['title', 'busy_policy']],
    ['orgs', ['name', 'settings']],
  ];
  for (const [table, columns] of edited) {
    await sql`alter table ${sql.table(table)} add column revision integer not null default 1`.execute(db);
    await sql`comment on column ${sql.raw(`${table}.revision`)} is ${sql.lit(`Version of ${columns.join(', ')}: 1, then +1 with every change of them; edits may name the one they started from`)}`.execute(db);
    const old = sql.join(columns.map((c) => sql.raw(`old.${c}`)));
    const neu = sql.join(columns.map((c) => sql.raw(`new.${c}`)));
    await sql`
      create trigger ${sql.raw(`${table}_revision`)} before update on ${sql.table(table)}
      for each row when ((${old}) is distinct from (${neu})) execute function tmates_bump_revision()
    `.execute(db);
  }
}
