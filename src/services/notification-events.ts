import type { BusEvent } from '../realtime/events.ts';
import { findNotification, type Notification } from '../repositories/notifications.ts';
import type { AppServices } from '../core/context.ts';
import type { Viewer } from '../core/viewer.ts';

/** What a `viewerEvents` subscriber receives when one of their notifications changes (before GraphQL shapes it). */
export interface NotificationEventPayload {
  type: 'notification';
  notification: Notification;
  thread: null;
}

type NotificationBusEvent = Extract<BusEvent, { kind: 'notification' }>;

/** The bus event of a notification created or changed. */
export const notificationEvent = (n: Notification): NotificationBusEvent => ({ kind: 'notification', orgId: n.orgId, userId: n.userId, notificationId: n.id });

/** The payload for one subscriber: only the person it belongs to, in its organisation. */
export async function notificationEventFor(services: Pick<AppServices, 'db'>, viewer: Viewer, event: NotificationBusEvent): Promise<NotificationEventPayload | undefined> {
  if (event.orgId !== viewer.org.id || event.userId !== viewer.user.id) return undefined;
  const notification = await findNotification(services.db, event.notificationId);
  if (!notification || notification.userId !== viewer.user.id) return undefined;
  return { type: 'notification', notification, thread: null };
}
