import { findOwnNotifications, type Notification } from '../repositories/notifications.ts';
import type { NotificationEventPayload } from '../services/notification-events.ts';
import { notificationUrl } from '../services/notification-sender.ts';
import { builder } from './builder.ts';
import { isType, ViewerEventRef } from './events.ts';
import { GoalRef } from './goals.ts';
import { ThreadRef } from './threads.ts';
import { ToolApprovalRef } from './tool-approvals.ts';

export const NotificationKindEnum = builder.enumType('NotificationKind', {
  description: 'What a notification is about.',
  values: {
    DIRECT_MESSAGE: { value: 'direct_message', description: 'New messages in a direct thread.' },
    TEAM_MESSAGE: { value: 'team_message', description: 'New messages in a team thread.' },
    MENTION: { value: 'mention', description: 'A message that @mentions the person (among the new messages of a thread).' },
    GOAL_SUCCEEDED: { value: 'goal_succeeded', description: 'A goal the person asked for is done.' },
    GOAL_FAILED: { value: 'goal_failed', description: 'A goal the person asked for stopped short.' },
    TOOL_APPROVAL: { value: 'tool_approval', description: 'A teammate’s tool call waits for the person’s approval.' },
  } as const,
});

export const NotificationRef = builder.loadableNode('Notification', {
  description:
    'Something the signed-in person is told about while away (also pushed to their devices or mailed). New messages of one thread are coalesced into one unread notification whose `count` grows.',
  id: { resolve: (n: Notification) => n.id },
  sort: (n) => n.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findOwnNotifications(ctx.db, ctx.viewer.org.id, ctx.viewer.user.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    kind: t.field({ type: NotificationKindEnum, description: 'What it is about.', resolve: (n) => n.kind }),
    title: t.exposeString('title', { description: 'One line, e.g. "3 new messages in Team Chat".' }),
    body: t.exposeString('body', { description: 'A preview of the latest message or the outcome (plain text, up to 200 characters).' }),
    count: t.exposeInt('count', { description: 'How many new messages (or events) it stands for; coalesced messages raise it.' }),
    thread: t.field({ type: ThreadRef, nullable: true, description: 'The thread it is about, if the person is still in it.', resolve: (n) => n.threadId }),
    goal: t.field({ type: GoalRef, nullable: true, description: 'The goal (GOAL_SUCCEEDED, GOAL_FAILED).', resolve: (n) => n.goalId }),
    approval: t.field({ type: ToolApprovalRef, nullable: true, description: 'The approval that waits (TOOL_APPROVAL).', resolve: (n) => n.approvalId }),
    url: t.string({ description: 'Path in the web app that shows it, e.g. `/threads/<thread id>`.', resolve: (n) => notificationUrl(n) }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was first made.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed (a coalesced message, read).' }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true, description: 'When the person marked it read; null while unread.' }),
  }),
});

builder.objectRef<NotificationEventPayload>('NotificationEvent').implement({
  description: 'One of the caller’s notifications was created or changed (a coalesced message raised its count, it was read). On `viewerEvents`; live only.',
  interfaces: [ViewerEventRef],
  isTypeOf: isType('notification'),
  fields: (t) => ({
    thread: t.field({ type: ThreadRef, nullable: true, description: 'The thread it is about, if any.', resolve: (e) => e.notification.threadId }),
    notification: t.field({ type: NotificationRef, description: 'The notification as it is now.', resolve: (e) => e.notification }),
  }),
});
