import { encodeGlobalID, resolveCursorConnection } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import type { PinboardComment } from '../repositories/pinboard-comments.ts';
import type { ListedPost, PinboardPost } from '../repositories/pinboard.ts';
import { builder } from '../schema/builder.ts';
import { FileRef } from '../schema/files.ts';
import { decodeKeyedPosition, encodeKeyedPosition } from '../schema/cursors.ts';
import { PinboardCommentRef, PinboardPostRef, PinboardPriorityEnum } from '../schema/pinboard.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../services/errors.ts';
import {
  addPinboardComment,
  createPinboardPost,
  deletePinboardPost,
  findPinboardPostBySlug,
  listPinboardPosts,
  MAX_POST_BODY,
  personActor,
  positionOf,
  updatePinboardPost,
} from '../services/pinboard.ts';
import { defined } from './defined.ts';

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
const asPostPosition = (p: { key: number; at: Date; id: string } | undefined) => p && { key: p.key, createdAt: p.at, id: p.id };

builder.queryFields((t) => ({
  pinboard: t.connection({
    type: PinboardPostRef,
    description:
      "The current organisation's pinboard: pinned posts first, then newest. With `search`, best match first (title, then tags, then body). Filters combine.",
    args: {
      search: t.arg.string({
        description: 'Words to find, as typed in a search box: `"exact phrase"`, `-without`, `or` work (up to 200 characters).',
      }),
      tag: t.arg.string({ description: 'Only posts with this tag (any case, `#` optional).' }),
      priority: t.arg({ type: PinboardPriorityEnum, description: 'Only posts of this priority.' }),
      pinned: t.arg.boolean({ description: 'Only pinned (true) or only unpinned (false) posts.' }),
    },
    resolve: (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      const toCursor = (post: ListedPost) => {
        const at = positionOf(post);
        return encodeKeyedPosition(at.key, at.createdAt, at.id);
      };
      return resolveCursorConnection<Promise<ListedPost[]>>(
        { args, toCursor, defaultSize: 30, maxSize: 100 },
        async ({ after, before, limit, inverted }) => {
          const page = {
            limit,
            inverted,
            after: asPostPosition(decodeKeyedPosition(after)),
            before: asPostPosition(decodeKeyedPosition(before)),
          };
          try {
            const { search, tag, priority, pinned } = args;
            return await listPinboardPosts(ctx.services, viewer.org.id, { search, tag, priority, pinned }, page);
          } catch (error) {
            // A query has no result union: a bad filter is a bad request.
            if (error instanceof ValidationError) throw badInput(error.message);
            throw error;
          }
        },
      );
    },
  }),
  pinboardPost: t.field({
    type: PinboardPostRef,
    nullable: true,
    description: 'One post of the current organisation, by `id` or by `slug` (exactly one of the two); null if there is none.',
    args: {
      id: t.arg.globalID({ for: PinboardPostRef, description: 'Post id.' }),
      slug: t.arg.string({ description: 'Post slug, e.g. `launch-plan`.' }),
    },
    resolve: async (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      if ((args.id == null) === (args.slug == null)) throw badInput('Give exactly one of `id` and `slug`');
      if (args.id) return args.id.id;
      return (await findPinboardPostBySlug(ctx.services, viewer, args.slug!)) ?? null;
    },
  }),
}));

const tagsDescription = 'Up to 10 tags: letters, digits, `-` and `_`, up to 32 characters (lower-cased; a leading `#` is dropped).';

const PinboardSourceInput = builder.inputType('PinboardSourceInput', {
  description: 'Something a post cites.',
  fields: (t) => ({
    url: t.string({ required: true, description: 'An http or https URL (up to 2048 characters).' }),
    label: t.string({ required: true, description: 'What to call it (1–200 characters).' }),
  }),
});

/** The GraphQL names of the post's links, as the service's (file ids decoded). */
function linksOf<T extends { attachments?: Array<{ id: string }> | null; coverImage?: { id: string } | null }>(input: T) {
  const { attachments, coverImage, ...rest } = input;
  return {
    ...rest,
    ...(attachments !== undefined ? { attachmentFileIds: attachments?.map((a) => a.id) ?? null } : {}),
    ...(coverImage !== undefined ? { coverImageFileId: coverImage?.id ?? null } : {}),
  };
}

const CreatePinboardPostInput = builder.inputType('CreatePinboardPostInput', {
  description: 'A new pinboard post. Its slug comes from the title.',
  fields: (t) => ({
    title: t.string({ required: true, description: 'Title (1–200 characters).' }),
    body: t.string({ required: true, description: `Markdown (up to ${MAX_POST_BODY} characters).` }),
    priority: t.field({ type: PinboardPriorityEnum, description: 'How much it matters (default NORMAL).' }),
    pinned: t.boolean({ description: 'Pin it to the top (default false).' }),
    tags: t.stringList({ description: tagsDescription }),
    sources: t.field({ type: [PinboardSourceInput], description: 'What it cites (up to 20; http and https only).' }),
    attachments: t.globalIDList({ for: FileRef, description: 'Files of the organisation to attach (up to 20).' }),
    coverImage: t.globalID({ for: FileRef, description: 'An image file of the organisation to show above it.' }),
  }),
});

const UpdatePinboardPostInput = builder.inputType('UpdatePinboardPostInput', {
  description: 'Changes to a post; omitted fields stay. The previous version is kept in `revisions`; the slug stays.',
  fields: (t) => ({
    id: t.globalID({ required: true, for: PinboardPostRef, description: 'The post.' }),
    title: t.string({ description: 'New title (1–200 characters).' }),
    body: t.string({ description: `New markdown (up to ${MAX_POST_BODY} characters).` }),
    priority: t.field({ type: PinboardPriorityEnum, description: 'New priority.' }),
    pinned: t.boolean({ description: 'Pin (true) or unpin (false).' }),
    tags: t.stringList({ description: `New tags, replacing the old ones (null or [] clears them). ${tagsDescription}` }),
    sources: t.field({ type: [PinboardSourceInput], description: 'New sources, replacing the old ones (null or [] clears them).' }),
    attachments: t.globalIDList({ for: FileRef, description: 'New attachments, replacing the old ones (null or [] clears them).' }),
    coverImage: t.globalID({ for: FileRef, description: 'New cover image (null removes it).' }),
    expectedRevision: t.int({ description: 'The `revision` this edit was made from; a ConflictError (with the current revision) when it has changed since. Omit to overwrite.' }),
  }),
});

const DeletePinboardPostInput = builder.inputType('DeletePinboardPostInput', {
  description: 'A post to delete, with its comments and history.',
  fields: (t) => ({ id: t.globalID({ required: true, for: PinboardPostRef, description: 'The post.' }) }),
});

const AddPinboardCommentInput = builder.inputType('AddPinboardCommentInput', {
  description: 'A comment on a post.',
  fields: (t) => ({
    postId: t.globalID({ required: true, for: PinboardPostRef, description: 'The post.' }),
    body: t.string({ required: true, description: 'Markdown (1–10000 characters).' }),
  }),
});

const DeletePinboardPostPayload = builder.objectRef<PinboardPost>('DeletePinboardPostPayload').implement({
  description: 'The post that was deleted.',
  fields: (t) => ({
    postId: t.id({ description: 'Global id of the deleted post.', resolve: (p) => encodeGlobalID('PinboardPost', p.id) }),
    slug: t.exposeString('slug', { description: 'Its slug (now free again).' }),
  }),
});

const AddPinboardCommentPayload = builder.objectRef<{ comment: PinboardComment; post: PinboardPost }>('AddPinboardCommentPayload').implement({
  description: 'The new comment and the post it is on.',
  fields: (t) => ({
    comment: t.field({ type: PinboardCommentRef, description: 'The comment.', resolve: (p) => p.comment }),
    post: t.field({ type: PinboardPostRef, description: 'The post, with its new comment count.', resolve: (p) => p.post }),
  }),
});

builder.mutationFields((t) => ({
  createPinboardPost: t.field({
    type: PinboardPostRef,
    description: 'Posts to the pinboard of the current organisation. Any member can post.',
    errors: { types: [ValidationError, ConflictError] },
    args: { input: t.arg({ type: CreatePinboardPostInput, required: true }) },
    resolve: (_root, { input }, ctx) => createPinboardPost(ctx.services, personActor(requireViewer(ctx)), linksOf(defined(input))),
  }),
  updatePinboardPost: t.field({
    type: PinboardPostRef,
    description: 'Edits a post (see `viewerCanEdit`); every edit keeps the previous version in `revisions`.',
    errors: { types: [ValidationError, NotFoundError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: UpdatePinboardPostInput, required: true }) },
    resolve: (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return updatePinboardPost(ctx.services, personActor(requireViewer(ctx)), id.id, linksOf(defined(changes)));
    },
  }),
  deletePinboardPost: t.field({
    type: DeletePinboardPostPayload,
    description: 'Deletes a post with its comments and history (see `viewerCanDelete`).',
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: DeletePinboardPostInput, required: true }) },
    resolve: (_root, { input }, ctx) => deletePinboardPost(ctx.services, personActor(requireViewer(ctx)), input.id.id),
  }),
  addPinboardComment: t.field({
    type: AddPinboardCommentPayload,
    description: 'Comments on a post. Any member can comment.',
    errors: { types: [ValidationError, NotFoundError] },
    args: { input: t.arg({ type: AddPinboardCommentInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      addPinboardComment(ctx.services, personActor(requireViewer(ctx)), input.postId.id, { body: input.body }),
  }),
}));
