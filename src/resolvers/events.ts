import { GraphQLError } from 'graphql';
import { freshLoaders } from '../schema/batched.ts';
import { builder } from '../schema/builder.ts';
import { decodeSeq } from '../schema/cursors.ts';
import { ThreadEventRef, ViewerEventRef } from '../schema/events.ts';
import { ThreadRef } from '../schema/threads.ts';
import { requireViewer } from '../core/context.ts';
import {
  subscribeThreadEvents,
  subscribeViewerEvents,
  type ThreadEventPayload,
  type ViewerEventPayload,
} from '../services/thread-events.ts';

builder.subscriptionFields((t) => ({
  threadEvents: t.field({
    type: ThreadEventRef,
    description:
      'Everything that happens in a thread. With `after` (a cursor from an earlier event or `Thread.eventCursor`), first replays every durable event since, then continues live — no gap, no duplicate.',
    args: {
      threadId: t.arg.globalID({ required: true, for: ThreadRef, description: 'The thread.' }),
      after: t.arg.string({ description: 'Resume after this cursor.' }),
    },
    subscribe: (_root, args, ctx) => subscribeThreadEvents(ctx.services, requireViewer(ctx), args.threadId.id, decodeSeq(args.after)),
    resolve: (event: ThreadEventPayload, _args, ctx) => freshLoaders(ctx, event),
  }),
  viewerEvents: t.field({
    type: ViewerEventRef,
    description:
      'What concerns the caller in the current organisation: new threads, new messages in their threads (flagged when they are @mentioned), pinboard changes, goal progress and file changes (uploaded, processing, ready, failed, deleted).',
    subscribe: (_root, _args, ctx) => {
      if (!ctx.viewer) throw new GraphQLError('Sign in to do this', { extensions: { code: 'UNAUTHENTICATED' } });
      return subscribeViewerEvents(ctx.services, ctx.viewer);
    },
    resolve: (event: ViewerEventPayload, _args, ctx) => freshLoaders(ctx, event),
  }),
}));
