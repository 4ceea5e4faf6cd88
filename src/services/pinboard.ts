import { attachmentsSchema, checkPostFiles, coverImageSchema, sourcesSchema } from './pinboard-links.ts';
import { z } from 'zod';
import type { Executor } from '../db/database.ts';
import type { PinboardChange } from '../realtime/events.ts';
import { transactionWithEvents, type Emit } from '../realtime/transactional.ts';
import {
  deletePostRow,
  findPostBySlug,
  findPostsInOrg,
  findRunOfTeammate,
  insertPost,
  listPosts,
  lockPost,
  lockSlugBase,
  PINBOARD_PRIORITIES,
  slugsLike,
  updatePostRow,
  type ListedPost,
  type PinboardAuthorKind,
  type PinboardPost,
  type PostContent,
  type PostPosition,
} from '../repositories/pinboard.ts';
import { insertComment, type PinboardComment } from '../repositories/pinboard-comments.ts';
import { insertRevision } from '../repositories/pinboard-revisions.ts';
import type { OrgRole } from '../repositories/orgs.ts';
import type { AppServices } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError } from './errors.ts';
import { excerptOf, firstFreeSlug, MAX_TAGS, normalizeTag, slugify, TAG_PATTERN } from './pinboard-text.ts';
import { withStatementTimeout } from '../db/statement-timeout.ts';
import { parseInput } from './validation.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { searchText, textSchema } from './text.ts';
import { expectedRevisionOf, expectRevision } from './revisions.ts';

/**
 * The pinboard: what the team keeps. Every member of an organisation reads all of its posts.
 *
 * Who may change what (`canEditPost` / `canDeletePost`, also behind `viewerCanEdit` / `viewerCanDelete`):
 * * a person's post: its author, and the organisation's owners and admins, edit and delete it;
 * * a teammate's post is the team's: any member may edit it (every edit keeps a revision, so it can
 *   be undone), while deleting it — which cannot be undone — is for owners and admins and the person
 *   whose request the teammate was answering;
 * * a teammate (in a run) may change only its own posts.
 * Anyone in the organisation may comment.
 */

/** Who acts on the pinboard: a person through the API (with their role), or a teammate in a run. */
export type PinboardActor =
  | { kind: 'user'; orgId: string; userId: string; role: OrgRole }
  | { kind: 'teammate'; orgId: string; teammateId: string; threadId: string; runId: string };

export const personActor = (viewer: Viewer): PinboardActor => ({
  kind: 'user',
  orgId: viewer.org.id,
  userId: viewer.user.id,
  role: viewer.role,
});

const ownTeammatePost = (actor: Extract<PinboardActor, { kind: 'teammate' }>, post: PinboardPost) =>
  post.authorKind === 'teammate' && post.authorTeammateId === actor.teammateId;

export function canEditPost(actor: PinboardActor, post: PinboardPost): boolean {
  if (actor.orgId !== post.orgId) return false;
  if (actor.kind === 'teammate') return ownTeammatePost(actor, post);
  return canManageOrg(actor.role) || post.authorKind === 'teammate' || post.authorUserId === actor.userId;
}

export function canDeletePost(actor: PinboardActor, post: PinboardPost): boolean {
  if (actor.orgId !== post.orgId) return false;
  if (actor.kind === 'teammate') return ownTeammatePost(actor, post);
  return canManageOrg(actor.role) || post.authorUserId === actor.userId || post.createdBy === actor.userId;
}

export const MAX_POST_BODY = 50_000;
export const MAX_COMMENT_BODY = 10_000;
export const MAX_SEARCH = 200;

/** Absent and null are the same here ("use the default"). */
const orDefault = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null ? undefined : v), schema);
/** In an update a field that cannot be empty cannot be cleared with null either. */
const notNull = (expected: string) => ({ error: (issue: { input?: unknown }) => (issue.input === null ? 'cannot be cleared' : `must be ${expected}`) });

const title = z.string(notNull('text')).pipe(textSchema({ max: 200 })); // one line
const body = z.string(notNull('text')).pipe(textSchema({ max: MAX_POST_BODY, multiline: true, keepIndentation: true }));
/** Any case: clients send `NORMAL` through the enum, models often write `normal` or `High`. */
export const prioritySchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.toLowerCase() : v),
  z.enum(PINBOARD_PRIORITIES, notNull(`one of ${PINBOARD_PRIORITIES.join(', ')}`)),
);
const tags = z
  .array(
    z
      .string()
      .transform(normalizeTag)
      .pipe(z.string().regex(TAG_PATTERN, 'use letters, digits, - and _ (at most 32, starting with a letter or digit)')),
  )
  .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
  .transform((list) => [...new Set(list)]);

export const createPostSchema = z.object({
  title,
  body,
  priority: orDefault(prioritySchema.default('normal')),
  pinned: orDefault(z.boolean().default(false)),
  tags: orDefault(tags.default([])),
  sources: orDefault(sourcesSchema.default([])),
  attachmentFileIds: orDefault(attachmentsSchema.default([])),
  coverImageFileId: coverImageSchema.optional(),
});

export const updatePostSchema = z.object({
  title: title.optional(),
  body: body.optional(),
  priority: prioritySchema.optional(),
  pinned: z.boolean(notNull('true or false')).optional(),
  // null clears the tags, like []
  tags: z.preprocess((v) => (v === null ? [] : v), tags.optional()),
  // null clears sources and attachments, like []; null removes the cover image
  sources: z.preprocess((v) => (v === null ? [] : v), sourcesSchema.optional()),
  attachmentFileIds: z.preprocess((v) => (v === null ? [] : v), attachmentsSchema.optional()),
  coverImageFileId: coverImageSchema.optional(),
});

const commentSchema = z.object({
  body: textSchema({ max: MAX_COMMENT_BODY, multiline: true }),
});

/** Lenient: a filter nothing can match (an odd tag) simply matches nothing. */
const filtersSchema = z.object({
  search: z
    .string()
    .transform(searchText)
    .pipe(z.string().max(MAX_SEARCH, `must be at most ${MAX_SEARCH} characters`))
    .nullish()
    .transform((s) => s || undefined),
  tag: z.string().nullish().transform((t) => (t ? normalizeTag(t) : undefined)),
  priority: prioritySchema.nullish().transform((p) => p ?? undefined),
  pinned: z.boolean().nullish().transform((p) => p ?? undefined),
});

function authorColumns(actor: PinboardActor): { kind: PinboardAuthorKind; userId: string | null; teammateId: string | null } {
  return actor.kind === 'user'
    ? { kind: 'user', userId: actor.userId, teammateId: null }
    : { kind: 'teammate', userId: null, teammateId: actor.teammateId };
}

/** Where a new post comes from: a person, or a teammate's run (checked to be that teammate's, in that org and thread). */
async function originOf(trx: Executor, actor: PinboardActor) {
  const author = authorColumns(actor);
  if (actor.kind === 'user') return { author, createdBy: actor.userId, sourceThreadId: null, sourceRunId: null };
  const run = await findRunOfTeammate(trx, { orgId: actor.orgId, runId: actor.runId, teammateId: actor.teammateId, threadId: actor.threadId });
  if (!run) throw new Error(`run ${actor.runId} is not a run of teammate ${actor.teammateId} in this organisation and thread`);
  return { author, createdBy: run.requestedBy, sourceThreadId: actor.threadId, sourceRunId: actor.runId };
}

const event = (post: Pick<PinboardPost, 'orgId' | 'id'>, change: PinboardChange, commentId?: string) =>
  ({ kind: 'pinboard', orgId: post.orgId, postId: post.id, change, ...(commentId ? { commentId } : {}) }) as const;

/**
 * Creates a post with a slug from its title, unique in the organisation: concurrent posts titled
 * alike get `-2`, `-3`… (serialised per slug base; a collision with a post of another base — "Plan
 * 2" against the second "Plan" — is retried with the next free slug).
 */
export async function createPinboardPost(services: AppServices, actor: PinboardActor, input: unknown): Promise<PinboardPost> {
  const values = parseInput(createPostSchema, input);
  return transactionWithEvents(services, (trx, emit) => createPostIn(trx, emit, actor, values));
}

type PostValues = Omit<z.output<typeof createPostSchema>, 'sources' | 'attachmentFileIds'> &
  Partial<Pick<z.output<typeof createPostSchema>, 'sources' | 'attachmentFileIds'>>;

/** Creates a post inside the caller's transaction (a goal's report is pinned with the goal's end). */
export async function createPostIn(
  trx: Executor,
  emit: Emit,
  actor: PinboardActor,
  values: PostValues,
  links: { goalId?: string } = {},
): Promise<PinboardPost> {
  const { author, ...origin } = await originOf(trx, actor);
  await checkPostFiles(trx, actor.orgId, values);
  const base = slugify(values.title);
  await lockSlugBase(trx, actor.orgId, base);
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const post = await insertPost(trx, {
      ...values,
      ...origin,
      goalId: links.goalId ?? null,
      excerpt: excerptOf(values.body),
      orgId: actor.orgId,
      slug: firstFreeSlug(base, await slugsLike(trx, actor.orgId, base)),
      authorKind: author.kind,
      authorUserId: author.userId,
      authorTeammateId: author.teammateId,
    });
    if (post) {
      await emit(event(post, 'created'));
      return post;
    }
  }
  throw new ConflictError('Could not find a free slug for this title right now; try again');
}

/** Locks a post of the actor's organisation for a change `allowed` permits; refuses with `refusal`. */
async function lockForChange(
  trx: Executor,
  actor: PinboardActor,
  postId: string,
  allowed: (actor: PinboardActor, post: PinboardPost) => boolean,
  refusal: string,
): Promise<PinboardPost> {
  const post = await lockPost(trx, actor.orgId, postId, 'update');
  if (!post) throw new NotFoundError('PinboardPost');
  if (!allowed(actor, post)) throw new ForbiddenError(refusal);
  return post;
}

/** Edits a post; the previous version is kept as a revision. Changing nothing stores nothing. The slug stays. */
export async function updatePinboardPost(services: AppServices, actor: PinboardActor, postId: string, input: unknown): Promise<PinboardPost> {
  const values = parseInput(updatePostSchema, input);
  return transactionWithEvents(services, async (trx, emit) => {
    const post = await lockForChange(trx, actor, postId, canEditPost, "Only the post's author and the organisation's owners and admins can edit it");
    await expectRevision(trx, 'pinboard_posts', post.id, expectedRevisionOf(input));
    const changes: Partial<PostContent> = {};
    if (values.title !== undefined && values.title !== post.title) changes.title = values.title;
    if (values.body !== undefined && values.body !== post.body) changes.body = values.body;
    if (values.priority !== undefined && values.priority !== post.priority) changes.priority = values.priority;
    if (values.pinned !== undefined && values.pinned !== post.pinned) changes.pinned = values.pinned;
    if (values.tags !== undefined && values.tags.join('\n') !== post.tags.join('\n')) changes.tags = values.tags;
    await checkPostFiles(trx, post.orgId, values);
    if (values.sources !== undefined && JSON.stringify(values.sources) !== JSON.stringify(post.sources)) changes.sources = values.sources;
    if (values.attachmentFileIds !== undefined && values.attachmentFileIds.join() !== post.attachmentFileIds.join()) changes.attachmentFileIds = values.attachmentFileIds;
    if (values.coverImageFileId !== undefined && values.coverImageFileId !== post.coverImageFileId) changes.coverImageFileId = values.coverImageFileId;
    if (Object.keys(changes).length === 0) return post;
    const editor = authorColumns(actor);
    await insertRevision(trx, {
      orgId: post.orgId,
      postId: post.id,
      title: post.title,
      body: post.body,
      priority: post.priority,
      pinned: post.pinned,
      tags: post.tags,
      editorKind: editor.kind,
      editorUserId: editor.userId,
      editorTeammateId: editor.teammateId,
    });
    if (changes.body !== undefined) changes.excerpt = excerptOf(changes.body);
    const updated = await updatePostRow(trx, post.id, changes);
    await emit(event(updated, 'updated'));
    return updated;
  });
}

/** Deletes a post with its comments and history; returns it as it was. */
export async function deletePinboardPost(services: AppServices, actor: PinboardActor, postId: string): Promise<PinboardPost> {
  return transactionWithEvents(services, async (trx, emit) => {
    const refusal = "Only the post's author (or whoever asked a teammate for it) and the organisation's owners and admins can delete it";
    const post = await lockForChange(trx, actor, postId, canDeletePost, refusal);
    await deletePostRow(trx, post.id);
    await emit(event(post, 'deleted'));
    return post;
  });
}

export async function addPinboardComment(
  services: AppServices,
  actor: PinboardActor,
  postId: string,
  input: unknown,
): Promise<{ comment: PinboardComment; post: PinboardPost }> {
  const values = parseInput(commentSchema, input);
  return transactionWithEvents(services, async (trx, emit) => {
    // A share lock: the post cannot be deleted under the comment, while others may comment at once.
    const post = await lockPost(trx, actor.orgId, postId, 'share');
    if (!post) throw new NotFoundError('PinboardPost');
    const author = authorColumns(actor);
    const comment = await insertComment(trx, {
      orgId: post.orgId,
      postId: post.id,
      authorKind: author.kind,
      authorUserId: author.userId,
      authorTeammateId: author.teammateId,
      body: values.body,
    });
    await emit(event(post, 'commented', comment.id));
    const [counted] = await findPostsInOrg(trx, post.orgId, [post.id]);
    return { comment, post: counted! };
  });
}

export interface PinboardFilters {
  search?: string | null;
  tag?: string | null;
  priority?: string | null;
  pinned?: boolean | null;
}

/**
 * A page of the organisation's posts: pinned first, then newest; with `search`, best match first
 * (title over tags over body). Filters combine.
 */
export async function listPinboardPosts(
  services: Pick<AppServices, 'db' | 'config'>,
  orgId: string,
  filters: PinboardFilters,
  page: { limit: number; after?: PostPosition; before?: PostPosition; inverted: boolean },
): Promise<ListedPost[]> {
  const parsed = parseInput(filtersSchema, filters);
  // A full-text search has a deadline (SEARCH_TIMEOUT_MS); a plain listing is cheap.
  if (!parsed.search) return listPosts(services.db, orgId, parsed, page);
  return withStatementTimeout(services.db, services.config.limits.searchTimeoutMs, (trx) => listPosts(trx, orgId, parsed, page));
}

/** A post of the viewer's organisation by slug (any case); undefined when there is none. */
export function findPinboardPostBySlug(services: Pick<AppServices, 'db'>, viewer: Viewer, slug: string): Promise<PinboardPost | undefined> {
  return findPostBySlug(services.db, viewer.org.id, slug.trim().toLowerCase());
}

/** The position of a listed post, for its cursor: rank when searched, else pinned (1 or 0). */
export const positionOf = (post: ListedPost): PostPosition => ({
  key: post.rank ?? (post.pinned ? 1 : 0),
  createdAt: post.createdAt,
  id: post.id,
});
