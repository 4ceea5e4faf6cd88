import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { PinboardPosts } from '../db/schema.ts';

export const PINBOARD_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type PinboardPriority = (typeof PINBOARD_PRIORITIES)[number];
/** People and teammates write on the pinboard (never the system). */
export type PinboardAuthorKind = 'user' | 'teammate';

export interface PinboardSource {
  url: string;
  label: string;
}

export interface PinboardPost {
  id: string;
  orgId: string;
  authorKind: PinboardAuthorKind;
  authorUserId: string | null;
  authorTeammateId: string | null;
  title: string;
  slug: string;
  body: string;
  excerpt: string;
  priority: PinboardPriority;
  pinned: boolean;
  tags: string[];
  sourceThreadId: string | null;
  sourceRunId: string | null;
  goalId: string | null;
  createdBy: string | null;
  /** What it cites, in order (http/https URLs). */
  sources: PinboardSource[];
  /** Ids of files of the organisation attached to it, in order. */
  attachmentFileIds: string[];
  /** An image file shown above it. */
  coverImageFileId: string | null;
  /** Counted with the row, so a post is never shown with a stale count (lists included). */
  commentCount: number;
  createdAt: Date;
  updatedAt: Date;
}

const columns = [
  'pinboard_posts.id', 'pinboard_posts.org_id', 'pinboard_posts.author_kind', 'pinboard_posts.author_user_id',
  'pinboard_posts.author_teammate_id', 'pinboard_posts.title', 'pinboard_posts.slug', 'pinboard_posts.body_md',
  'pinboard_posts.excerpt', 'pinboard_posts.priority', 'pinboard_posts.pinned', 'pinboard_posts.tags',
  'pinboard_posts.source_thread_id', 'pinboard_posts.source_run_id', 'pinboard_posts.goal_id', 'pinboard_posts.created_by',
  'pinboard_posts.created_at', 'pinboard_posts.updated_at', 'pinboard_posts.sources', 'pinboard_posts.attachment_file_ids',
  'pinboard_posts.cover_image_file_id',
] as const;
const bare = columns.map((c) => c.slice('pinboard_posts.'.length)) as Array<
  (typeof columns)[number] extends `pinboard_posts.${infer C}` ? C : never
>;
const commentCount = sql<string>`(select count(*) from pinboard_comments c where c.post_id = pinboard_posts.id)`.as('comment_count');

type Row = Pick<Selectable<PinboardPosts>, (typeof bare)[number]> & { comment_count: string | number };

export function toPinboardPost(row: Row): PinboardPost {
  return {
    id: row.id,
    orgId: row.org_id,
    authorKind: row.author_kind as PinboardAuthorKind,
    authorUserId: row.author_user_id,
    authorTeammateId: row.author_teammate_id,
    title: row.title,
    slug: row.slug,
    body: row.body_md,
    excerpt: row.excerpt,
    priority: row.priority as PinboardPriority,
    pinned: row.pinned,
    tags: row.tags,
    sourceThreadId: row.source_thread_id,
    sourceRunId: row.source_run_id,
    goalId: row.goal_id,
    createdBy: row.created_by,
    sources: (row.sources ?? []) as unknown as PinboardSource[],
    attachmentFileIds: row.attachment_file_ids ?? [],
    coverImageFileId: row.cover_image_file_id,
    commentCount: Number(row.comment_count),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface PostContent {
  title: string;
  body: string;
  excerpt: string;
  priority: PinboardPriority;
  pinned: boolean;
  tags: string[];
  sources?: PinboardSource[];
  attachmentFileIds?: string[];
  coverImageFileId?: string | null;
}

/** Inserts a post; undefined when its slug is already taken in the organisation (pick another). */
export async function insertPost(
  db: Executor,
  values: PostContent & {
    orgId: string;
    slug: string;
    authorKind: PinboardAuthorKind;
    authorUserId?: string | null;
    authorTeammateId?: string | null;
    sourceThreadId?: string | null;
    sourceRunId?: string | null;
    goalId?: string | null;
    createdBy: string | null;
  },
): Promise<PinboardPost | undefined> {
  const row = await db
    .insertInto('pinboard_posts')
    .values({
      org_id: values.orgId,
      slug: values.slug,
      author_kind: values.authorKind,
      author_user_id: values.authorUserId ?? null,
      author_teammate_id: values.authorTeammateId ?? null,
      title: values.title,
      body_md: values.body,
      excerpt: values.excerpt,
      priority: values.priority,
      pinned: values.pinned,
      tags: values.tags,
      sources: JSON.stringify(values.sources ?? []),
      attachment_file_ids: values.attachmentFileIds ?? [],
      cover_image_file_id: values.coverImageFileId ?? null,
      source_thread_id: values.sourceThreadId ?? null,
      source_run_id: values.sourceRunId ?? null,
      goal_id: values.goalId ?? null,
      created_by: values.createdBy,
    })
    .onConflict((oc) => oc.columns(['org_id', 'slug']).doNothing())
    .returning([...bare, sql<number>`0`.as('comment_count')])
    .executeTakeFirst();
  return row && toPinboardPost(row);
}

/**
 * Serialises, until the transaction ends, the creation of posts whose slugs start from the same
 * base in one organisation — so concurrent posts titled alike get -2, -3… without retries. (The
 * two-key form keeps these locks apart from single-key advisory locks used elsewhere.)
 */
export async function lockSlugBase(db: Executor, orgId: string, base: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('pinboard_posts.slug'), hashtext(${`${orgId}/${base}`}))`.execute(db);
}

/** Slugs in use in the organisation that are `base` or `base-<something>`. */
export async function slugsLike(db: Executor, orgId: string, base: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('pinboard_posts')
    .select('slug')
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('slug', '=', base), eb('slug', 'like', `${base}-%`)]))
    .execute();
  return new Set(rows.map((r) => r.slug));
}

export async function findPostsInOrg(db: Executor, orgId: string, ids: readonly string[]): Promise<PinboardPost[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('pinboard_posts')
    .select([...columns, commentCount])
    .where('pinboard_posts.org_id', '=', orgId)
    .where('pinboard_posts.id', 'in', [...ids])
    .execute();
  return rows.map(toPinboardPost);
}

export async function findPostBySlug(db: Executor, orgId: string, slug: string): Promise<PinboardPost | undefined> {
  const row = await db
    .selectFrom('pinboard_posts')
    .select([...columns, commentCount])
    .where('pinboard_posts.org_id', '=', orgId)
    .where('pinboard_posts.slug', '=', slug)
    .executeTakeFirst();
  return row && toPinboardPost(row);
}

/**
 * A post of the organisation, locked for the rest of the transaction: `update` for edits and
 * deletion, `share` to keep it from being deleted while something is attached to it.
 */
export async function lockPost(db: Executor, orgId: string, id: string, mode: 'update' | 'share'): Promise<PinboardPost | undefined> {
  const query = db
    .selectFrom('pinboard_posts')
    .select([...columns, commentCount])
    .where('pinboard_posts.org_id', '=', orgId)
    .where('pinboard_posts.id', '=', id);
  const row = await (mode === 'update' ? query.forNoKeyUpdate() : query.forShare()).executeTakeFirst();
  return row && toPinboardPost(row);
}

export async function updatePostRow(db: Executor, id: string, values: Partial<PostContent>): Promise<PinboardPost> {
  const row = await db
    .updateTable('pinboard_posts')
    .set({
      ...(values.title !== undefined ? { title: values.title } : {}),
      ...(values.body !== undefined ? { body_md: values.body } : {}),
      ...(values.excerpt !== undefined ? { excerpt: values.excerpt } : {}),
      ...(values.priority !== undefined ? { priority: values.priority } : {}),
      ...(values.pinned !== undefined ? { pinned: values.pinned } : {}),
      ...(values.tags !== undefined ? { tags: values.tags } : {}),
      ...(values.sources !== undefined ? { sources: JSON.stringify(values.sources) } : {}),
      ...(values.attachmentFileIds !== undefined ? { attachment_file_ids: values.attachmentFileIds } : {}),
      ...(values.coverImageFileId !== undefined ? { cover_image_file_id: values.coverImageFileId } : {}),
    })
    .where('id', '=', id)
    .returning([...bare, commentCount])
    .executeTakeFirstOrThrow();
  return toPinboardPost(row);
}

export async function deletePostRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('pinboard_posts').where('id', '=', id).execute();
}

/**
 * Where a post sits in a list. Without a search the list is pinned first, then newest: `key` is 1
 * for pinned, 0 otherwise. With a search it is best match first: `key` is the rank.
 */
export interface PostPosition {
  key: number;
  createdAt: Date;
  id: string;
}

export interface PostFilters {
  /** Words, as typed in a search box (`websearch_to_tsquery` syntax: "quoted phrases", -not, or). */
  search?: string;
  tag?: string;
  priority?: PinboardPriority;
  pinned?: boolean;
}

/** A post as listed, with its rank when the list is a search (null otherwise). */
export type ListedPost = PinboardPost & { rank: number | null };

/** A page of the organisation's posts (keyset pagination; `inverted` reads from the other end). */
export async function listPosts(
  db: Executor,
  orgId: string,
  filters: PostFilters,
  page: { limit: number; after?: PostPosition; before?: PostPosition; inverted: boolean },
): Promise<ListedPost[]> {
  const direction = page.inverted ? 'asc' : 'desc';
  const tsquery = filters.search !== undefined ? sql`websearch_to_tsquery('english', ${filters.search})` : undefined;
  // float8: the rank goes into cursors and must compare exactly when it comes back.
  const lead = tsquery ? sql<number>`ts_rank(pinboard_posts.search, ${tsquery})::float8` : sql<number>`pinboard_posts.pinned`;
  const rank = tsquery ? lead : sql<number | null>`null::float8`;
  const asLead = (key: number) => (tsquery ? sql`${key}::float8` : sql`${key >= 1}`);
  let query = db
    .selectFrom('pinboard_posts')
    .select([...columns, commentCount, rank.as('rank')])
    .where('pinboard_posts.org_id', '=', orgId)
    .orderBy(lead, direction)
    .orderBy('pinboard_posts.created_at', direction)
    .orderBy('pinboard_posts.id', direction)
    .limit(page.limit);
  if (tsquery) query = query.where(sql<boolean>`pinboard_posts.search @@ ${tsquery}`);
  if (filters.tag !== undefined) query = query.where('pinboard_posts.tags', '@>', sql<string[]>`array[${filters.tag}]::text[]`);
  if (filters.priority !== undefined) query = query.where('pinboard_posts.priority', '=', filters.priority);
  if (filters.pinned !== undefined) query = query.where('pinboard_posts.pinned', '=', filters.pinned);
  const { after, before } = page;
  const row = sql`(${lead}, pinboard_posts.created_at, pinboard_posts.id)`;
  if (after) query = query.where(sql<boolean>`${row} < (${asLead(after.key)}, ${after.createdAt}, ${after.id})`);
  if (before) query = query.where(sql<boolean>`${row} > (${asLead(before.key)}, ${before.createdAt}, ${before.id})`);
  const rows = await query.execute();
  return rows.map((r) => ({ ...toPinboardPost(r), rank: r.rank === null ? null : Number(r.rank) }));
}

/**
 * The run a teammate works in, if it belongs to that organisation, teammate and thread — and the
 * person whose message started it (the one a teammate's post is made for).
 */
export async function findRunOfTeammate(
  db: Executor,
  values: { orgId: string; runId: string; teammateId: string; threadId: string },
): Promise<{ requestedBy: string | null } | undefined> {
  const row = await db
    .selectFrom('runs')
    .leftJoin('messages', 'messages.id', 'runs.trigger_message_id')
    .select(['runs.id', 'messages.author_user_id'])
    .where('runs.id', '=', values.runId)
    .where('runs.org_id', '=', values.orgId)
    .where('runs.teammate_id', '=', values.teammateId)
    .where('runs.thread_id', '=', values.threadId)
    .executeTakeFirst();
  return row && { requestedBy: row.author_user_id };
}
