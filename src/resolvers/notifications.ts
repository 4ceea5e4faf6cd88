import { resolveCursorConnection } from '@pothos/plugin-relay';
import type { Notification } from '../repositories/notifications.ts';
import { builder } from '../schema/builder.ts';
import { decodePosition, encodePosition } from '../schema/cursors.ts';
import { NotificationRef } from '../schema/notifications.ts';
import { requireViewer } from '../core/context.ts';
import { NotFoundError, ValidationError } from '../services/errors.ts';
import { markNotificationsRead, notificationsOf, unreadNotificationCount, type MarkedRead } from '../services/notifications.ts';

builder.queryField('notifications', (t) =>
  t.connection(
    {
      type: NotificationRef,
      description: 'The caller’s notifications in the current organisation, newest first.',
      args: { unreadOnly: t.arg.boolean({ description: 'Only those not yet marked read.' }) },
      resolve: (_root, args, ctx) => {
        const viewer = requireViewer(ctx);
        return resolveCursorConnection<Promise<Notification[]>>(
          { args, toCursor: (n) => encodePosition(n.createdAt, n.id), defaultSize: 20, maxSize: 100 },
          ({ after, before, limit, inverted }) =>
            notificationsOf(ctx.services, viewer, { unreadOnly: args.unreadOnly ?? false }, { limit, inverted, after: decodePosition(after), before: decodePosition(before) }),
        );
      },
    },
    {
      name: 'NotificationConnection',
      description: 'A page of the caller’s notifications, newest first, with how many are unread.',
      fields: (c) => ({
        unreadCount: c.int({
          description: 'The caller’s unread notifications in the organisation (all of them, not only this page).',
          resolve: (_conn, _args, ctx) => unreadNotificationCount(ctx.services, requireViewer(ctx)),
        }),
      }),
    },
    { name: 'NotificationEdge', description: 'A notification and its cursor.' },
  ),
);

const MarkNotificationsReadInput = builder.inputType('MarkNotificationsReadInput', {
  description: 'Which of the caller’s notifications to mark read: `ids`, or `all: true`.',
  fields: (t) => ({
    ids: t.globalIDList({ for: NotificationRef, description: 'Notifications to mark read (up to 500).' }),
    all: t.boolean({ description: 'Mark every unread notification of the organisation read.' }),
  }),
});

const MarkNotificationsReadPayload = builder.objectRef<MarkedRead>('MarkNotificationsReadPayload').implement({
  description: 'The notifications marked read and what is left unread.',
  fields: (t) => ({
    notifications: t.field({
      type: [NotificationRef],
      description: 'The notifications named in `ids` as they are now; with `all`, those that were unread.',
      resolve: (p) => p.notifications,
    }),
    unreadCount: t.exposeInt('unreadCount', { description: 'The caller’s unread notifications left in the organisation.' }),
  }),
});

builder.mutationField('markNotificationsRead', (t) =>
  t.field({
    type: MarkNotificationsReadPayload,
    description: 'Marks some or all of the caller’s notifications read (each change goes out as a NotificationEvent).',
    errors: { types: [ValidationError, NotFoundError] },
    args: { input: t.arg({ type: MarkNotificationsReadInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      markNotificationsRead(ctx.services, requireViewer(ctx), { ids: input.ids?.map((g) => g.id), all: input.all }),
  }),
);
