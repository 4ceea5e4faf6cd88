import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { PinboardComments } from '../db/schema.ts';
import type { PinboardAuthorKind } from './pinboard.ts';

export interface PinboardComment {
  id: string;
  orgId: string;
  postId: string;
  authorKind: PinboardAuthorKind;
  authorUserId: string | null;
  authorTeammateId: string | null;
  body: string;
  createdAt: Date;
}

const columns = ['id', 'org_id', 'post_id', 'author_kind', 'author_user_id', 'author_teammate_id', 'body', 'created_at'] as const;

function toComment(row: Pick<Selectable<PinboardComments>, (typeof columns)[number]>): PinboardComment {
  return {
    id: row.id,
    orgId: row.org_id,
    postId: row.post_id,
    authorKind: row.author_kind as PinboardAuthorKind,
    authorUserId: row.author_user_id,
    authorTeammateId: row.author_teammate_id,
    body: row.body,
    createdAt: row.created_at,
  };
}

export async function insertComment(
  db: Executor,
  values: {
    orgId: string;
    postId: string;
    authorKind: PinboardAuthorKind;
    authorUserId?: string | null;
    authorTeammateId?: string | null;
    body: string;
  },
): Promise<PinboardComment> {
  const row = await db
    .insertInto('pinboard_comments')
    .values({
      org_id: values.orgId,
      post_id: values.postId,
      author_kind: values.authorKind,
      author_user_id: values.authorUserId ?? null,
      author_teammate_id: values.authorTeammateId ?? null,
      body: values.body,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toComment(row);
}

export async function findCommentsInOrg(db: Executor, orgId: string, ids: readonly string[]): Promise<PinboardComment[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('pinboard_comments').select(columns).where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
  return rows.map(toComment);
}

export interface CommentPosition {
  createdAt: Date;
  id: string;
}

/** A page of a post's comments, oldest first (keyset on created_at, id; `inverted` reads from the newest end). */
export async function listComments(
  db: Executor,
  postId: string,
  page: { limit: number; after?: CommentPosition; before?: CommentPosition; inverted: boolean },
): Promise<PinboardComment[]> {
  let query = db
    .selectFrom('pinboard_comments')
    .select(columns)
    .where('post_id', '=', postId)
    .orderBy('created_at', page.inverted ? 'desc' : 'asc')
    .orderBy('id', page.inverted ? 'desc' : 'asc')
    .limit(page.limit);
  const { after, before } = page;
  if (after) query = query.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id})`);
  if (before) query = query.where(sql<boolean>`(created_at, id) < (${before.createdAt}, ${before.id})`);
  return (await query.execute()).map(toComment);
}
