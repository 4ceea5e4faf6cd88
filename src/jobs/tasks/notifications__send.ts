import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import type { JobPayloads } from '../../core/jobs.ts';
import { sendNotifications } from '../../services/notification-sender.ts';
import { defineTask } from '../define-task.ts';

const payload = z.object({
  source: z.enum(['message', 'goal', 'approval', 'flush']),
  id: z.uuid(),
  userId: z.uuid().optional(),
  mentions: z.array(z.uuid()).max(1000).optional(),
}) satisfies z.ZodType<JobPayloads['notifications__send']>;

/**
 * Notifications of an event, enqueued in its transaction (`services/notify.ts`): without `userId`
 * it fans out one job per recipient; with it, it follows that person's NotificationSettings, skips
 * them while they watch the thread, makes or coalesces their notification and pushes or mails it.
 * A failed delivery throws, so graphile-worker retries it with exponential backoff (up to 8 attempts);
 * it runs on no named queue, so it never waits behind (or holds up) a teammate's turn.
 */
export const sendNotificationsTask = defineTask<AppServices, typeof payload>({
  name: 'notifications__send',
  payload,
  spec: { maxAttempts: 8 },
  run: (job, services) => sendNotifications(services, job),
});
