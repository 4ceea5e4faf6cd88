import { resolveCursorConnection } from '@pothos/plugin-relay';
import { findPostsInOrg, type PinboardPost } from '../repositories/pinboard.ts';
import { findCommentsInOrg, listComments, type PinboardComment } from '../repositories/pinboard-comments.ts';
import { listRevisions, type PinboardRevision } from '../repositories/pinboard-revisions.ts';
import { canDeletePost, canEditPost, personActor } from '../services/pinboard.ts';
import { AuthorRef, loadAuthor } from './authors.ts';
import { builder } from './builder.ts';
import { decodePosition, encodePosition } from './cursors.ts';
import { AuthorKindEnum } from './messages.ts';
import { RunRef } from './runs.ts';
import { TeammateRef } from './teammates.ts';
import { ThreadRef } from './threads.ts';
import { UserRef } from './users.ts';

export const PinboardPriorityEnum = builder.enumType('PinboardPriority', {
  description: 'How much a pinboard post matters.',
  values: {
    LOW: { value: 'low', description: 'Good to know.' },
    NORMAL: { value: 'normal', description: 'The default.' },
    HIGH: { value: 'high', description: 'Needs attention soon.' },
    URGENT: { value: 'urgent', description: 'Needs attention now.' },
  } as const,
});

const asTimePosition = (p: { at: Date; id: string } | undefined) => p && { createdAt: p.at, id: p.id };

export const PinboardPostRef = builder.loadableNode('PinboardPost', {
  description:
    'A post on the team’s pinboard: markdown written by a person or by a teammate, visible to everyone in the organisation.',
  id: { resolve: (p: PinboardPost) => p.id },
  sort: (p) => p.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findPostsInOrg(ctx.db, ctx.viewer.org.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    title: t.exposeString('title', { description: 'Title (1–200 characters).' }),
    slug: t.exposeString('slug', {
      description: 'Permalink name from the title, unique in the organisation (`launch-plan`, `launch-plan-2`…); stays when the title changes.',
    }),
    body: t.exposeString('body', { description: 'The post, in markdown.' }),
    excerpt: t.exposeString('excerpt', { description: 'The first ~280 characters of the body as plain text, for lists and previews.' }),
    priority: t.field({ type: PinboardPriorityEnum, description: 'How much it matters.', resolve: (p) => p.priority }),
    pinned: t.exposeBoolean('pinned', { description: 'Pinned posts come first in `pinboard`.' }),
    tags: t.exposeStringList('tags', { description: 'Lower-case tags, e.g. `launch`.' }),
    authorKind: t.field({ type: AuthorKindEnum, description: 'Written by a person (USER) or a teammate (TEAMMATE).', resolve: (p) => p.authorKind }),
    author: t.field({
      type: AuthorRef,
      nullable: true,
      description: 'The person or teammate who wrote it; null if that account is gone.',
      resolve: (p, _a, ctx) => loadAuthor(ctx, p.authorKind, p.authorUserId, p.authorTeammateId),
    }),
    authorUser: t.field({ type: UserRef, nullable: true, description: 'The person who wrote it.', resolve: (p) => p.authorUserId }),
    authorTeammate: t.field({ type: TeammateRef, nullable: true, description: 'The teammate who wrote it.', resolve: (p) => p.authorTeammateId }),
    createdBy: t.field({
      type: UserRef,
      nullable: true,
      description: 'The person behind the post: its author, or the person whose message the teammate was answering.',
      resolve: (p) => p.createdBy,
    }),
    sourceThread: t.field({
      type: ThreadRef,
      nullable: true,
      description: 'The thread a teammate pinned it from; null when there is none or the caller is not in it.',
      resolve: (p) => p.sourceThreadId,
    }),
    sourceRun: t.field({
      type: RunRef,
      nullable: true,
      description: 'The teammate run that wrote it; null when there is none or the caller is not in its thread.',
      resolve: (p) => p.sourceRunId,
    }),
    commentCount: t.exposeInt('commentCount', { description: 'Comments so far.' }),
    viewerCanEdit: t.boolean({
      description: 'The caller may edit it: their own post, a teammate’s post, or any post for owners and admins.',
      resolve: (p, _a, ctx) => (ctx.viewer ? canEditPost(personActor(ctx.viewer), p) : false),
    }),
    viewerCanDelete: t.boolean({
      description: 'The caller may delete it: their own post (or one a teammate made at their request), or any post for owners and admins.',
      resolve: (p, _a, ctx) => (ctx.viewer ? canDeletePost(personActor(ctx.viewer), p) : false),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was posted.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last edited.' }),
  }),
});

export const PinboardCommentRef = builder.loadableNode('PinboardComment', {
  description: 'A comment on a pinboard post, by a person or a teammate.',
  id: { resolve: (c: PinboardComment) => c.id },
  sort: (c) => c.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findCommentsInOrg(ctx.db, ctx.viewer.org.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    body: t.exposeString('body', { description: 'The comment, in markdown.' }),
    post: t.field({ type: PinboardPostRef, description: 'The post it is on.', resolve: (c) => c.postId }),
    authorKind: t.field({ type: AuthorKindEnum, description: 'Written by a person (USER) or a teammate (TEAMMATE).', resolve: (c) => c.authorKind }),
    author: t.field({
      type: AuthorRef,
      nullable: true,
      description: 'The person or teammate who wrote it; null if that account is gone.',
      resolve: (c, _a, ctx) => loadAuthor(ctx, c.authorKind, c.authorUserId, c.authorTeammateId),
    }),
    authorUser: t.field({ type: UserRef, nullable: true, description: 'The person who wrote it.', resolve: (c) => c.authorUserId }),
    authorTeammate: t.field({ type: TeammateRef, nullable: true, description: 'The teammate who wrote it.', resolve: (c) => c.authorTeammateId }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was written.' }),
  }),
});

export const PinboardPostRevisionRef = builder.objectRef<PinboardRevision>('PinboardPostRevision').implement({
  description: 'A pinboard post as it was before one edit, with who made that edit and when.',
  fields: (t) => ({
    title: t.exposeString('title', { description: 'Title before the edit.' }),
    body: t.exposeString('body', { description: 'Markdown body before the edit.' }),
    priority: t.field({ type: PinboardPriorityEnum, description: 'Priority before the edit.', resolve: (r) => r.priority }),
    pinned: t.exposeBoolean('pinned', { description: 'Whether it was pinned before the edit.' }),
    tags: t.exposeStringList('tags', { description: 'Tags before the edit.' }),
    editorKind: t.field({ type: AuthorKindEnum, description: 'The edit was made by a person or a teammate.', resolve: (r) => r.editorKind }),
    editor: t.field({
      type: AuthorRef,
      nullable: true,
      description: 'Who made the edit; null if that account is gone.',
      resolve: (r, _a, ctx) => loadAuthor(ctx, r.editorKind, r.editorUserId, r.editorTeammateId),
    }),
    editorUser: t.field({ type: UserRef, nullable: true, description: 'The person who made the edit.', resolve: (r) => r.editorUserId }),
    editorTeammate: t.field({ type: TeammateRef, nullable: true, description: 'The teammate who made the edit.', resolve: (r) => r.editorTeammateId }),
    editedAt: t.expose('createdAt', { type: 'DateTime', description: 'When the edit was made.' }),
  }),
});

builder.objectFields(PinboardPostRef, (t) => ({
  comments: t.connection({
    type: PinboardCommentRef,
    description: 'Comments, oldest first.',
    resolve: (post, args, ctx) =>
      resolveCursorConnection<Promise<PinboardComment[]>>(
        { args, toCursor: (c) => encodePosition(c.createdAt, c.id), defaultSize: 50, maxSize: 200 },
        ({ after, before, limit, inverted }) =>
          listComments(ctx.db, post.id, {
            limit,
            inverted,
            after: asTimePosition(decodePosition(after)),
            before: asTimePosition(decodePosition(before)),
          }),
      ),
  }),
  revisions: t.connection({
    type: PinboardPostRevisionRef,
    description: 'Edit history, newest first: each entry is the post as it was before that edit.',
    resolve: (post, args, ctx) =>
      resolveCursorConnection<Promise<PinboardRevision[]>>(
        { args, toCursor: (r) => encodePosition(r.createdAt, r.id), defaultSize: 20, maxSize: 100 },
        ({ after, before, limit, inverted }) =>
          listRevisions(ctx.db, post.id, {
            limit,
            inverted,
            after: asTimePosition(decodePosition(after)),
            before: asTimePosition(decodePosition(before)),
          }),
      ),
  }),
}));
