import { oncePerEvent, type BusEvent, type PinboardChange } from '../realtime/events.ts';
import { findPostsInOrg, type PinboardPost } from '../repositories/pinboard.ts';
import { findThreadsOfMember, type Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import type { Viewer } from '../core/viewer.ts';

/** What a `viewerEvents` subscriber receives when a pinboard post changes (before GraphQL shapes it). */
export interface PinboardEventPayload {
  type: 'pinboard';
  change: PinboardChange;
  postId: string;
  /** The post as it is now; null once deleted. */
  post: PinboardPost | null;
  commentId: string | null;
  /** The thread the post was pinned from, when the subscriber is in it. */
  thread: Thread | null;
}

type PinboardBusEvent = Extract<BusEvent, { kind: 'pinboard' }>;

const postOf = oncePerEvent((event: PinboardBusEvent, services: AppServices) =>
  findPostsInOrg(services.db, event.orgId, [event.postId]).then(([p]) => p),
);

/**
 * The `viewerEvents` payload of a pinboard change for one subscriber — every member of the post's
 * organisation gets it; undefined for anyone else, or when the post is already gone again.
 */
export async function pinboardEventFor(
  services: AppServices,
  viewer: Viewer,
  event: PinboardBusEvent,
): Promise<PinboardEventPayload | undefined> {
  if (event.orgId !== viewer.org.id) return undefined;
  let post: PinboardPost | undefined;
  if (event.change !== 'deleted') {
    post = await postOf(event, services);
    if (!post) return undefined; // deleted meanwhile: its own event follows
  }
  const [thread] = post?.sourceThreadId ? await findThreadsOfMember(services.db, viewer.org.id, viewer.user.id, [post.sourceThreadId]) : [];
  return {
    type: 'pinboard',
    change: event.change,
    postId: event.postId,
    post: post ?? null,
    commentId: event.commentId ?? null,
    thread: thread ?? null,
  };
}
