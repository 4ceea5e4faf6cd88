import { z } from 'zod';
import { transactionWithEvents } from '../realtime/transactional.ts';
import {
  countUnreadNotifications,
  findOwnNotifications,
  listNotifications,
  markNotificationsRead as markRead,
  type Notification,
} from '../repositories/notifications.ts';
import type { AppServices } from '../core/context.ts';
import type { Viewer } from '../core/viewer.ts';
import { NotFoundError } from './errors.ts';
import { notificationEvent } from './notification-events.ts';
import { parseInput } from './validation.ts';

/** A page of the viewer's notifications in the current organisation, newest first. */
export function notificationsOf(
  services: Pick<AppServices, 'db'>,
  viewer: Viewer,
  filter: { unreadOnly?: boolean },
  page: { limit: number; after?: { at: Date; id: string }; before?: { at: Date; id: string }; inverted: boolean },
): Promise<Notification[]> {
  return listNotifications(services.db, viewer.org.id, viewer.user.id, filter, page);
}

/** How many of the viewer's notifications in the current organisation are unread. */
export function unreadNotificationCount(services: Pick<AppServices, 'db'>, viewer: Viewer): Promise<number> {
  return countUnreadNotifications(services.db, viewer.org.id, viewer.user.id);
}

const markReadSchema = z
  .object({
    ids: z.array(z.string()).max(500, 'at most 500 notifications at once').nullish(),
    all: z.boolean().nullish(),
  })
  .refine((v) => v.all === true || (v.ids?.length ?? 0) > 0, { message: 'give the notifications to mark read (`ids`), or `all: true`', path: ['ids'] });

export interface MarkedRead {
  /** The notifications named (or, with `all`, those that were unread), as they are now. */
  notifications: Notification[];
  /** The viewer's unread notifications left in the organisation. */
  unreadCount: number;
}

/**
 * Marks the viewer's notifications read: those in `ids` (already read ones stay as they were), or
 * every unread one with `all`. Each changed one goes out as a NotificationEvent.
 * Errors: ValidationError (neither ids nor all), NotFoundError (an id that is not the viewer's).
 */
export async function markNotificationsRead(services: AppServices, viewer: Viewer, input: unknown): Promise<MarkedRead> {
  const values = parseInput(markReadSchema, input);
  const ids = values.all ? undefined : [...new Set(values.ids ?? [])];
  return transactionWithEvents(services, async (trx, emit) => {
    if (ids) {
      const own = await findOwnNotifications(trx, viewer.org.id, viewer.user.id, ids);
      if (own.length !== ids.length) throw new NotFoundError('Notification');
    }
    const changed = await markRead(trx, viewer.org.id, viewer.user.id, ids, services.clock.now());
    for (const n of changed) await emit(notificationEvent(n));
    const notifications = ids ? await findOwnNotifications(trx, viewer.org.id, viewer.user.id, ids) : changed;
    const order = new Map((ids ?? []).map((id, i) => [id, i]));
    notifications.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0) || b.createdAt.getTime() - a.createdAt.getTime());
    return { notifications, unreadCount: await countUnreadNotifications(trx, viewer.org.id, viewer.user.id) };
  });
}
