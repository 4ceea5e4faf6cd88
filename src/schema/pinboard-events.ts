import { encodeGlobalID } from '@pothos/plugin-relay';
import type { PinboardEventPayload } from '../services/pinboard-events.ts';
import { builder } from './builder.ts';
import { isType, ViewerEventRef } from './events.ts';
import { PinboardCommentRef, PinboardPostRef } from './pinboard.ts';

export const PinboardChangeEnum = builder.enumType('PinboardChange', {
  description: 'What happened to a pinboard post.',
  values: {
    CREATED: { value: 'created', description: 'It was posted.' },
    UPDATED: { value: 'updated', description: 'It was edited (see its revisions).' },
    DELETED: { value: 'deleted', description: 'It was deleted; only `postId` remains.' },
    COMMENTED: { value: 'commented', description: 'Someone commented on it (see `comment`).' },
  } as const,
});

builder.objectRef<PinboardEventPayload>('PinboardPostEvent').implement({
  description:
    'A post on the organisation’s pinboard was created, edited, deleted or commented on. Delivered to every member; live only. `thread` is the thread a teammate pinned it from, if the caller is in it.',
  interfaces: [ViewerEventRef],
  isTypeOf: isType('pinboard'),
  fields: (t) => ({
    change: t.field({ type: PinboardChangeEnum, description: 'What happened.', resolve: (e) => e.change }),
    postId: t.id({ description: 'Global id of the post (also after it was deleted).', resolve: (e) => encodeGlobalID('PinboardPost', e.postId) }),
    post: t.field({ type: PinboardPostRef, nullable: true, description: 'The post as it is now; null once deleted.', resolve: (e) => e.post }),
    comment: t.field({
      type: PinboardCommentRef,
      nullable: true,
      description: 'The new comment, for COMMENTED.',
      resolve: (e) => e.commentId,
    }),
  }),
});
