import pg from 'pg';

/**
 * Bulk data for benchmarks and query-plan tests: whole installations written with set-based SQL
 * (`insert … select generate_series`) straight into the real tables — generated columns
 * (tsvector search columns) and constraints apply as in production — then ANALYZE.
 *
 * Text is drawn from a fixed vocabulary with a skewed (Zipf-like) distribution, so that full-text
 * search sees common words (in most rows) and rare ones (in a few), as real text does.
 */

/** How much data an installation holds. Per-organisation shares are the totals divided by `orgs`. */
export interface SeedSizes {
  /** Organisations in all, the measured one included. */
  orgs: number;
  threads: number;
  messages: number;
  pinboardPosts: number;
  files: number;
  /** Messages of the measured organisation's first thread (the "deep" one); counted in `messages`. */
  deepThreadMessages: number;
}

/** The organisation a benchmark or test measures, created beforehand through the API (or by hand). */
export interface SeedTarget {
  orgId: string;
  userId: string;
  teammateId: string;
}

export interface SeedResult {
  /** The measured organisation's deep thread. */
  deepThreadId: string;
  rows: Record<'orgs' | 'threads' | 'messages' | 'pinboard_posts' | 'files', number>;
  ms: number;
}

const COMMON = `
  team plan launch customer design review budget meeting report draft update release feature issue
  bug fix test deploy server client data model market sales product goal idea note summary week month
  quarter risk owner task status support email call agenda decision price contract invoice hiring
  onboarding roadmap metric growth revenue churn campaign content blog video survey feedback research
  analysis chart table memo policy security audit access account login password backup storage network
  latency queue worker cache index query schema migration version branch merge commit pipeline build
  office travel budget vendor partner legal finance payroll expense forecast target launch demo slide
`;

/** The vocabulary: common business words first (chosen most often), then made-up rarer words. */
export function vocabulary(size = 4000): string[] {
  const words = [...new Set(COMMON.split(/\s+/).filter(Boolean))];
  const onsets = ['b', 'c', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'st', 'tr', 'pl', 'gr'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
  const codas = ['', 'n', 'r', 'l', 'x', 'm', 'nd', 'st'];
  for (let i = 0; words.length < size; i += 1) {
    const pick = (list: string[], k: number) => list[k % list.length]!;
    const a = pick(onsets, i) + pick(vowels, Math.floor(i / 20)) + pick(onsets, Math.floor(i / 140) + 3);
    const b = pick(vowels, Math.floor(i / 7)) + pick(codas, Math.floor(i / 3));
    const word = `${a}${b}`;
    if (!words.includes(word)) words.push(word);
    if (i > size * 50) break;
  }
  return words;
}

/** Skew of word choice: index = floor(size · random()^SKEW). */
const SKEW = 2;

/**
 * A word of the vocabulary that a document of `wordsPerDocument` words contains with probability
 * about `fraction` (under the seeding distribution): a search term of known selectivity.
 */
export function wordWithSelectivity(words: string[], wordsPerDocument: number, fraction: number): string {
  // P(index = i) = (((i+1)/V)^(1/SKEW) - (i/V)^(1/SKEW)); P(contains) = 1 - (1-p)^n.
  const v = words.length;
  let best = words.length - 1;
  for (let i = 0; i < v; i += 1) {
    const p = ((i + 1) / v) ** (1 / SKEW) - (i / v) ** (1 / SKEW);
    if (1 - (1 - p) ** wordsPerDocument <= fraction) {
      best = i;
      break;
    }
  }
  return words[best]!;
}

const seq = (n: number) => Math.max(0, Math.floor(n));

/** SQL: the first `n` words of the text `expression`. */
const firstWords = (n: number, expression: string) => `array_to_string((string_to_array(${expression}, ' '))[1:${n}], ' ')`;

/** Words per sentence: 6 to 35, about 20 on average. */
export const WORDS_PER_SENTENCE = 20.5;

/** `count` sentences of 6–35 words drawn from the vocabulary, the same on every run (seeded). */
export function sentences(count: number): string[] {
  const words = vocabulary();
  let state = 42;
  const random = () => ((state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296);
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const length = 6 + Math.floor(random() * 30);
    const picked: string[] = [];
    for (let w = 0; w < length; w += 1) picked.push(words[Math.floor(words.length * random() ** SKEW)]!);
    out.push(picked.join(' '));
  }
  return out;
}

/**
 * Fills an installation: `sizes.orgs - 1` new organisations (each with a member and a teammate)
 * plus the `target` one, then threads (members: the org's person and teammate), messages, pinboard
 * posts and ready text files shared out evenly. The target's first thread gets
 * `deepThreadMessages`; the person reads every thread up to a few messages from its end.
 */
export async function seedInstallation(databaseUrl: string, target: SeedTarget | undefined, sizes: SeedSizes): Promise<SeedResult & { target: SeedTarget }> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const q = (text: string, values: unknown[] = []) => client.query(text, values);
  try {
    await q(`set synchronous_commit = off`);
    await q(`set maintenance_work_mem = '256MB'`);
    await q(`select setseed(0.42)`);
    // A pool of sentences made here (fast), then combined in SQL: a row's text is one or more
    // sentences picked by a hash of the row's numbers, so every row reads differently.
    const pool = sentences(Math.min(50_000, Math.max(2_000, seq(sizes.messages))));
    await q(`create temp table bench_pool (id int primary key, body text not null)`);
    for (let i = 0; i < pool.length; i += 10_000) {
      await q(`insert into bench_pool select i - 1 + $2::int, b from unnest($1::text[]) with ordinality as u(b, i)`, [pool.slice(i, i + 10_000), i]);
    }
    await q(`analyze bench_pool`);
    // `count` sentences for the row numbered `key`.
    await q(`
      create function pg_temp.bench_text(key bigint, count int) returns text language sql stable as $$
        select string_agg(p.body, ' ' order by j) from generate_series(0, count - 1) j
        join bench_pool p on p.id = (hashint8(key * 64 + j) & 2147483647) % ${pool.length}
      $$`);
    await q(`select setseed(0.42)`);

    const orgs = Math.max(1, seq(sizes.orgs));
    const threadsPerOrg = Math.max(1, Math.round(sizes.threads / orgs));
    const postsPerOrg = Math.round(sizes.pinboardPosts / orgs);
    const filesPerOrg = Math.round(sizes.files / orgs);
    const threadCount = threadsPerOrg * orgs;
    const deep = Math.min(seq(sizes.deepThreadMessages), seq(sizes.messages));
    const perThread = threadCount > 1 ? Math.max(1, Math.round((sizes.messages - deep) / (threadCount - 1))) : 0;

    // Organisations: n = 0 is the target, 1… are new, each with one member and one teammate.
    await q(`create temp table bench_orgs (n int primary key, org_id uuid, user_id uuid, teammate_id uuid)`);
    // Without a target, organisation 0 is made like the others.
    const first = target ? 1 : 0;
    if (target) await q(`insert into bench_orgs values (0, $1, $2, $3)`, [target.orgId, target.userId, target.teammateId]);
    if (orgs > first) {
      await q(
        `insert into bench_orgs (n, org_id, user_id, teammate_id)
         select n, gen_random_uuid(), gen_random_uuid(), gen_random_uuid() from generate_series($2::int, $1::int - 1) n`,
        [orgs, first],
      );
      await q(`insert into users (id, email, display_name)
               select user_id, 'bench-' || n || '-' || left(user_id::text, 8) || '@example.com', 'Bench person ' || n from bench_orgs where n >= $1`, [first]);
      await q(`insert into orgs (id, name, kind) select org_id, 'Bench org ' || n, 'team' from bench_orgs where n >= $1`, [first]);
      await q(`insert into org_members (org_id, user_id, role) select org_id, user_id, 'owner' from bench_orgs where n >= $1`, [first]);
      await q(`insert into teammates (id, org_id, key, name, role, personality, instructions, created_by)
               select teammate_id, org_id, 'helper', 'Helper', 'Assistant', 'Calm and brief.', 'Help the team.', user_id from bench_orgs where n >= $1`, [first]);
    }

    // Threads, newest activity spread over the last year; one deep thread in the target org.
    await q(
      `create temp table bench_threads as
       select o.n, k, o.n::bigint * 100000 + k as idx, o.org_id, o.user_id, o.teammate_id, gen_random_uuid() as thread_id,
              case when o.n = 0 and k = 1 then $2::int else $3::int end as msgs,
              now() - (random() * interval '365 days') - interval '30 days' as base
       from bench_orgs o cross join generate_series(1, $1::int) k`,
      [threadsPerOrg, deep, perThread],
    );
    await q(`insert into threads (id, org_id, kind, title, created_by, lead_teammate_id, created_at)
             select thread_id, org_id, 'team', initcap(firstWords), user_id, teammate_id, date_trunc('milliseconds', base)
             from bench_threads, lateral (select ${firstWords(3, 'pg_temp.bench_text(-idx, 1)')} as firstWords) w`);
    await q(`insert into thread_members (thread_id, user_id) select thread_id, user_id from bench_threads`);
    await q(`insert into thread_members (thread_id, teammate_id) select thread_id, teammate_id from bench_threads`);

    // Messages: people and the teammate take turns, one a minute from the thread's start.
    await q(`
      insert into messages (org_id, thread_id, seq, event_seq, author_kind, author_user_id, author_teammate_id, body, status, created_at, updated_at)
      select t.org_id, t.thread_id, s, s,
             case when s % 2 = 1 then 'user' else 'teammate' end,
             case when s % 2 = 1 then t.user_id end,
             case when s % 2 = 0 then t.teammate_id end,
             p.body, 'complete', at, at
      from bench_threads t cross join lateral generate_series(1, t.msgs) s
      cross join lateral (select t.base + s * interval '1 minute' as at, (hashint8(t.idx * 1000003 + s) & 2147483647) % ${pool.length} as pick) x
      join bench_pool p on p.id = x.pick`);
    await q(`update threads t set last_seq = b.msgs, last_event_seq = b.msgs,
               last_message_at = case when b.msgs > 0 then b.base + b.msgs * interval '1 minute' end
             from bench_threads b where t.id = b.thread_id`);
    await q(`update thread_members m set last_read_seq = greatest(0, b.msgs - (b.k % 5))
             from bench_threads b where m.thread_id = b.thread_id and m.user_id = b.user_id`);

    // Pinboard posts: a title, two tags and a body of four sentences (~80 words) each.
    await q(
      `insert into pinboard_posts (org_id, author_kind, author_user_id, title, slug, body_md, excerpt, tags, pinned, created_by, created_at)
       select org_id, 'user', user_id, initcap(title), 'post-' || k, body, left(body, 280),
              array[split_part(title, ' ', 1), split_part(title, ' ', 2)], k % 50 = 0, user_id, created_at
       from (select o.org_id, o.user_id, k, ${firstWords(4, 'pg_temp.bench_text(-(o.n::bigint * 1000000 + k), 1)')} as title,
                    pg_temp.bench_text(o.n::bigint * 1000000 + k, 4) as body,
                    date_trunc('milliseconds', now() - random() * interval '365 days') as created_at
             from bench_orgs o cross join generate_series(1, $1::int) k) p`,
      [postsPerOrg],
    );

    // Ready text files with twelve sentences (~250 words) of extracted text each.
    await q(
      `insert into files (org_id, uploaded_by, name, content_type, size_bytes, sha256, storage_backend, storage_key, status, extracted_text, created_at)
       select org_id, user_id, replace(name, ' ', '-') || '-' || k || '.txt', 'text/plain', length(text), md5(text) || md5(text || 'x'),
              'local', 'bench/' || org_id || '/' || k, 'ready', text, created_at
       from (select o.org_id, o.user_id, k, ${firstWords(3, 'pg_temp.bench_text(-(o.n::bigint * 1000000 + k) - 500000, 1)')} as name,
                    pg_temp.bench_text(o.n::bigint * 1000000 + k + 500000, 12) as text,
                    date_trunc('milliseconds', now() - random() * interval '365 days') as created_at
             from bench_orgs o cross join generate_series(1, $1::int) k) f`,
      [filesPerOrg],
    );

    await q(`analyze`);
    const { rows: [deepRow] } = await q(`select thread_id from bench_threads where n = 0 and k = 1`);
    const { rows: [org0] } = await q(`select org_id, user_id, teammate_id from bench_orgs where n = 0`);
    const counts = await q(
      `select (select count(*) from orgs) as orgs, (select count(*) from threads) as threads, (select count(*) from messages) as messages,
              (select count(*) from pinboard_posts) as pinboard_posts, (select count(*) from files) as files`,
    );
    const c = counts.rows[0] as Record<string, string>;
    return {
      deepThreadId: deepRow.thread_id as string,
      target: { orgId: org0.org_id, userId: org0.user_id, teammateId: org0.teammate_id },
      rows: {
        orgs: Number(c.orgs),
        threads: Number(c.threads),
        messages: Number(c.messages),
        pinboard_posts: Number(c.pinboard_posts),
        files: Number(c.files),
      },
      ms: performance.now() - started,
    };
  } finally {
    await client.end();
  }
}
