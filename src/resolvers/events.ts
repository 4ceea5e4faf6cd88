import { GraphQLError } from 'graphql';
import { builder } from '../schema/builder.ts';
import { decodeSeq } from '../schema/cursors.ts';
import { ThreadEventRef } from '../schema/events.ts';
import { ThreadRef } from '../schema/threads.ts';
import { requireViewer } from '../server/context.ts';
import { subscribeThreadEvents, subscribeViewerEvents, type ViewerEventPayload } from '../services/thread-events.ts';

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
    resolve: (event: ViewerEventPayload) => event,
  }),
  viewerEvents: t.field({
    type: ThreadEventRef,
    description: 'What concerns the caller across their threads: new threads, new messages (flagged when they are @mentioned).',
    subscribe: (_root, _args, ctx) => {
      if (!ctx.viewer) throw new GraphQLError('Sign in to do this', { extensions: { code: 'UNAUTHENTICATED' } });
      return subscribeViewerEvents(ctx.services, ctx.viewer);
    },
    resolve: (event: ViewerEventPayload) => event,
  }),
}));
