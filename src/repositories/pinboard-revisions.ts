import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { PinboardPostRevisions } from '../db/schema.ts';
import type { PinboardAuthorKind, PinboardPriority, PostContent } from './pinboard.ts';

/** A post as it was before one edit, with who made that edit and when. */
export interface PinboardRevision {
  id: string;
  postId: string;
  title: string;
  body: string;
  priority: PinboardPriority;
  pinned: boolean;
  tags: string[];
  editorKind: PinboardAuthorKind;
  editorUserId: string | null;
  editorTeammateId: string | null;
  createdAt: Date;
}

const columns = [
  'id', 'post_id', 'title', 'body_md', 'priority', 'pinned', 'tags', 'editor_kind', 'editor_user_id', 'editor_teammate_id', 'created_at',
] as const;

function toRevision(row: Pick<Selectable<PinboardPostRevisions>, (typeof columns)[number]>): PinboardRevision {
  return {
    id: row.id,
    postId: row.post_id,
    title: row.title,
    body: row.body_md,
    priority: row.priority as PinboardPriority,
    pinned: row.pinned,
    tags: row.tags,
    editorKind: row.editor_kind as PinboardAuthorKind,
    editorUserId: row.editor_user_id,
    editorTeammateId: row.editor_teammate_id,
    createdAt: row.created_at,
  };
}

export async function insertRevision(
  db: Executor,
  values: Omit<PostContent, 'excerpt'> & {
    orgId: string;
    postId: string;
    editorKind: PinboardAuthorKind;
    editorUserId?: string | null;
    editorTeammateId?: string | null;
  },
): Promise<PinboardRevision> {
  const row = await db
    .insertInto('pinboard_post_revisions')
    .values({
      org_id: values.orgId,
      post_id: values.postId,
      title: values.title,
      body_md: values.body,
      priority: values.priority,
      pinned: values.pinned,
      tags: values.tags,
      editor_kind: values.editorKind,
      editor_user_id: values.editorUserId ?? null,
      editor_teammate_id: values.editorTeammateId ?? null,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toRevision(row);
}

export interface RevisionPosition {
  createdAt: Date;
  id: string;
}

/** A page of a post's edit history, newest first (keyset on created_at, id). */
export async function listRevisions(
  db: Executor,
  postId: string,
  page: { limit: number; after?: RevisionPosition; before?: RevisionPosition; inverted: boolean },
): Promise<PinboardRevision[]> {
  const direction = page.inverted ? 'asc' : 'desc';
  let query = db
    .selectFrom('pinboard_post_revisions')
    .select(columns)
    .where('post_id', '=', postId)
    .orderBy('created_at', direction)
    .orderBy('id', direction)
    .limit(page.limit);
  const { after, before } = page;
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id})`);
  if (before) query = query.where(sql<boolean>`(created_at, id) > (${before.createdAt}, ${before.id})`);
  return (await query.execute()).map(toRevision);
}
