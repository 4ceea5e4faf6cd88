import { encodeGlobalID } from '@pothos/plugin-relay';
import type { AppServices } from '../core/context.ts';
import type { JobPayloads } from '../core/jobs.ts';
import { transactionWithEvents } from '../realtime/transactional.ts';
import { findGoal } from '../repositories/goals.ts';
import { findMessagesByIds } from '../repositories/messages.ts';
import {
  coalesceNotification,
  findNotification,
  findNotificationBySource,
  insertNotification,
  lockUnreadThreadNotification,
  recordDelivery,
  type DeliveryReport,
  type Notification,
  type NotificationKind,
} from '../repositories/notifications.ts';
import { deletePushTarget, listPushTargets } from '../repositories/push-targets.ts';
import { findTeammatesInOrg } from '../repositories/teammates.ts';
import { findThreadsOfMember, membersOfThreads, type Thread } from '../repositories/threads.ts';
import { findApproval } from '../repositories/tool-approvals.ts';
import { findUserById, getUserSettings } from '../repositories/users.ts';
import { isOnline, isWatching } from './live-sessions.ts';
import { sendMail } from './mailer.ts';
import { sendExpoPush, sendWebPush, type PushMessage, type TargetOutcome } from './notification-delivery.ts';
import { notificationEvent } from './notification-events.ts';
import { recipientQueue } from './notify.ts';
import { readUserSettings, type UserSettings } from './settings.ts';

type Payload = JobPayloads['notifications__send'];

/** The web app path a notification opens (global ids, as the app's routes use them). */
export function notificationUrl(n: Pick<Notification, 'goalId' | 'threadId'>): string {
  if (n.goalId) return `/goals/${encodeGlobalID('Goal', n.goalId)}`;
  if (n.threadId) return `/threads/${encodeGlobalID('Thread', n.threadId)}`;
  return '/';
}

/** The job's work: fan out to the recipients (no `userId`), or notify one person. Safe to run twice. */
export async function sendNotifications(services: AppServices, payload: Payload): Promise<void> {
  if (payload.source === 'flush') return flushNotification(services, payload.id);
  if (!payload.userId) return fanOut(services, payload);
  const draft = await draftFor(services, payload, payload.userId);
  if (!draft) return;
  if (draft.threadId && (await isWatching(services, payload.userId, draft.threadId))) return; // looking at it now
  const { notification, send } = await record(services, draft);
  if (send) await deliver(services, notification);
  else if (draft.coalesce) await scheduleFlush(services, notification);
}

/** One job per recipient (keyed, so a retried fan-out adds none twice). */
async function fanOut(services: AppServices, payload: Payload): Promise<void> {
  const recipients = await recipientsOf(services, payload);
  for (const userId of recipients) {
    await services.jobs.add(services.db, 'notifications__send', { ...payload, userId }, { jobKey: `notify:${payload.source}:${payload.id}:${userId}`, queueName: recipientQueue(userId) });
  }
}

async function peopleOfThread(services: Pick<AppServices, 'db'>, threadId: string): Promise<string[]> {
  const members = (await membersOfThreads(services.db, [threadId])).get(threadId) ?? [];
  return members.flatMap((m) => (m.userId ? [m.userId] : []));
}

/** Who hears of it: the thread's people but the author (a message), who asked (a goal), the thread's people (an approval). */
async function recipientsOf(services: AppServices, payload: Payload): Promise<string[]> {
  if (payload.source === 'message') {
    const [message] = await findMessagesByIds(services.db, [payload.id]);
    if (!message) return [];
    return (await peopleOfThread(services, message.threadId)).filter((id) => id !== message.authorUserId);
  }
  if (payload.source === 'goal') {
    const goal = await findGoal(services.db, payload.id);
    return goal?.createdBy ? [goal.createdBy] : [];
  }
  const approval = await findApproval(services.db, payload.id);
  return approval ? peopleOfThread(services, approval.threadId) : [];
}

interface Draft {
  orgId: string;
  userId: string;
  kind: NotificationKind;
  threadId: string | null;
  goalId?: string;
  approvalId?: string;
  sourceKey: string;
  /** Messages of a thread add up in one unread notification. */
  coalesce: boolean;
  /** Title and body for a notification standing for `count` events. */
  text(count: number): { title: string; body: string };
}

const PREVIEW_CHARS = 200;

/** Plain one-line text for a preview: markdown marks and extra whitespace dropped, cut at 200 characters. */
export function preview(text: string): string {
  const plain = text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`#>~]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > PREVIEW_CHARS ? `${plain.slice(0, PREVIEW_CHARS - 1)}…` : plain;
}

async function threadName(services: Pick<AppServices, 'db'>, thread: Thread): Promise<string> {
  if (thread.title) return thread.title;
  if (thread.directTeammateId) {
    const [teammate] = await findTeammatesInOrg(services.db, thread.orgId, [thread.directTeammateId]);
    if (teammate) return teammate.name;
  }
  return 'a thread';
}

/** Whether the person wants to hear of it (NotificationSettings); the kind it is for them, or undefined. */
function messageKindFor(settings: UserSettings, thread: Thread, mentioned: boolean): NotificationKind | undefined {
  const n = settings.notifications;
  if (!n.enabled) return undefined;
  if (mentioned && n.mentions) return 'mention';
  if (thread.kind === 'direct') return n.directMessages ? 'direct_message' : undefined;
  return n.teamMessages ? 'team_message' : undefined;
}

/** What to tell one person about the event, if anything (their settings, and whether they are still in the thread). */
async function draftFor(services: AppServices, payload: Payload, userId: string): Promise<Draft | undefined> {
  const settings = readUserSettings(await getUserSettings(services.db, userId));
  if (!settings.notifications.enabled) return undefined;
  const memberOf = async (orgId: string, threadId: string) => (await findThreadsOfMember(services.db, orgId, userId, [threadId]))[0];

  if (payload.source === 'message') {
    const [message] = await findMessagesByIds(services.db, [payload.id]);
    if (!message || message.authorUserId === userId || message.authorKind === 'system') return undefined;
    const thread = await memberOf(message.orgId, message.threadId);
    if (!thread) return undefined;
    const kind = messageKindFor(settings, thread, payload.mentions?.includes(userId) ?? false);
    if (!kind) return undefined;
    const author = message.authorUserId
      ? ((await findUserById(services.db, message.authorUserId))?.displayName ?? 'Someone')
      : ((await findTeammatesInOrg(services.db, message.orgId, message.authorTeammateId ? [message.authorTeammateId] : []))[0]?.name ?? 'A teammate');
    const where = await threadName(services, thread);
    const text = preview(message.body);
    return {
      orgId: message.orgId,
      userId,
      kind,
      threadId: thread.id,
      sourceKey: `message:${message.id}`,
      coalesce: true,
      text: (count) => {
        if (count > 1) return { title: `${count} new messages in ${where}`, body: `${author}: ${text}` };
        if (kind === 'mention') return { title: `${author} mentioned you in ${where}`, body: text };
        if (kind === 'direct_message') return { title: author, body: text };
        return { title: `${author} in ${where}`, body: text };
      },
    };
  }

  if (payload.source === 'goal') {
    const goal = await findGoal(services.db, payload.id);
    if (!goal || (goal.status !== 'succeeded' && goal.status !== 'failed') || goal.createdBy !== userId) return undefined;
    if (!(await memberOf(goal.orgId, goal.threadId))) return undefined;
    const brief = preview(goal.instruction).slice(0, 80);
    const succeeded = goal.status === 'succeeded';
    return {
      orgId: goal.orgId,
      userId,
      kind: succeeded ? 'goal_succeeded' : 'goal_failed',
      threadId: goal.threadId,
      goalId: goal.id,
      sourceKey: `goal:${goal.id}:${goal.status}`,
      coalesce: false,
      text: () => ({
        title: succeeded ? `Goal done: ${brief}` : `Goal stopped short: ${brief}`,
        body: preview(succeeded ? (goal.report ?? 'The report is in.') : (goal.error ?? goal.report ?? 'It could not be finished.')),
      }),
    };
  }

  const approval = await findApproval(services.db, payload.id);
  if (!approval || approval.status !== 'pending') return undefined;
  const thread = await memberOf(approval.orgId, approval.threadId);
  if (!thread) return undefined;
  const [teammate] = await findTeammatesInOrg(services.db, approval.orgId, [approval.teammateId]);
  const where = await threadName(services, thread);
  return {
    orgId: approval.orgId,
    userId,
    kind: 'tool_approval',
    threadId: thread.id,
    approvalId: approval.id,
    sourceKey: `approval:${approval.id}`,
    coalesce: false,
    text: () => ({ title: `${teammate?.name ?? 'A teammate'} waits for your approval`, body: `To use ${approval.tool} in ${where}.` }),
  };
}

/**
 * Makes (or, for another message of a thread with an unread notification, counts into) the
 * person's notification, in one transaction with its NotificationEvent. `send`: push it now —
 * it is new, or the last push about it is older than NOTIFY_COALESCE_SECONDS.
 */
async function record(services: AppServices, draft: Draft): Promise<{ notification: Notification; send: boolean }> {
  const windowMs = services.config.notifications.coalesceSeconds * 1000;
  return transactionWithEvents(services, async (trx, emit) => {
    const done = await findNotificationBySource(trx, draft.userId, draft.sourceKey);
    if (done) return { notification: done, send: done.sentAt === null }; // a retry: deliver what failed before
    const unread = draft.coalesce && draft.threadId ? await lockUnreadThreadNotification(trx, draft.userId, draft.threadId) : undefined;
    let notification: Notification;
    if (unread) {
      const count = unread.count + 1;
      const kind = unread.kind === 'mention' ? 'mention' : draft.kind;
      notification = await coalesceNotification(trx, unread.id, { kind, ...draft.text(count), sourceKey: draft.sourceKey });
    } else {
      notification = await insertNotification(trx, { ...draft, ...draft.text(1) });
    }
    await emit(notificationEvent(notification));
    // Unsent yet (its first delivery is being retried): that retry delivers the new count.
    const send = !unread || (notification.sentAt !== null && services.clock.now().getTime() - notification.sentAt.getTime() >= windowMs);
    return { notification, send };
  });
}

/**
 * Coalesced messages wait for the end of the window (from the last push, or from now while the
 * first push is still under way); then one push says how many there are.
 */
async function scheduleFlush(services: AppServices, n: Notification): Promise<void> {
  const from = n.sentAt ?? services.clock.now();
  const runAt = new Date(from.getTime() + services.config.notifications.coalesceSeconds * 1000);
  await services.jobs.add(services.db, 'notifications__send', { source: 'flush', id: n.id, userId: n.userId }, { jobKey: `notify:flush:${n.id}`, runAt, queueName: recipientQueue(n.userId) });
}

/** The end of a window: push a still-unread notification that gained messages since its last push. */
async function flushNotification(services: AppServices, id: string): Promise<void> {
  const n = await findNotification(services.db, id);
  if (!n || n.readAt || n.count <= n.sentCount) return;
  const windowMs = services.config.notifications.coalesceSeconds * 1000;
  if (n.sentAt && services.clock.now().getTime() - n.sentAt.getTime() < windowMs) return scheduleFlush(services, n); // pushed again meanwhile
  if (n.threadId && (await isWatching(services, n.userId, n.threadId))) return;
  await deliver(services, n);
}

/**
 * Pushes a notification to every target of the person (web push, Expo), or mails it when they have
 * none and are not online (SMTP_URL set). Dead targets (404/410, DeviceNotRegistered) are deleted.
 * Records what happened; throws when a target failed otherwise, so the job is retried with backoff.
 */
async function deliver(services: AppServices, n: Notification): Promise<void> {
  const message: PushMessage = {
    notificationId: encodeGlobalID('Notification', n.id),
    kind: n.kind.toUpperCase(),
    title: n.title,
    body: n.body,
    url: notificationUrl(n),
    count: n.count,
    tag: n.threadId ?? n.id,
    orgId: encodeGlobalID('Org', n.orgId),
  };
  const targets = await listPushTargets(services.db, n.userId);
  const report: DeliveryReport = {};
  const outcomes: TargetOutcome[] = [];
  const web = targets.filter((t) => t.kind === 'web');
  const mobile = targets.filter((t) => t.kind === 'mobile');
  if (web.length) outcomes.push(...(await Promise.all(web.map((t) => sendWebPush(services.config, t, message)))));
  if (mobile.length) outcomes.push(...(await sendExpoPush(services.config, mobile, message)));
  for (const o of outcomes) {
    if (o.outcome === 'gone') await deletePushTarget(services.db, n.userId, o.target.id);
    const channel = o.target.kind;
    const previous = report[channel];
    report[channel] = previous === 'failed' || o.outcome === 'failed' ? 'failed' : previous === 'sent' || o.outcome === 'sent' ? 'sent' : 'removed';
  }
  const failures = outcomes.filter((o) => o.outcome === 'failed');
  let mailError: unknown;
  if (targets.length === 0 && services.config.notifications.smtpUrl && !(await isOnline(services, n.userId))) {
    const user = await findUserById(services.db, n.userId);
    if (user) {
      try {
        await sendMail(services.config.notifications, mailOf(services, user.email, n, message.url));
        report.email = 'sent';
      } catch (error) {
        report.email = 'failed';
        mailError = error;
      }
    }
  }
  const failed = failures.length > 0 || mailError !== undefined;
  await recordDelivery(services.db, n.id, report, failed ? null : services.clock.now(), n.count);
  if (failed) {
    const reasons = [...failures.map((f) => `${f.target.kind} target ${f.target.id}: ${f.error ?? 'failed'}`), ...(mailError ? [`email: ${(mailError as Error).message}`] : [])];
    throw new Error(`notification ${n.id} not delivered: ${reasons.join('; ')}`);
  }
}

function mailOf(services: AppServices, to: string, n: Notification, url: string) {
  const base = services.config.publicUrl?.replace(/\/$/, '');
  const link = base ? `${base}${url}` : undefined;
  return {
    to,
    subject: n.title,
    text: [n.body, '', link ? `Open it: ${link}` : 'Open Tmates to read it.', '', 'You get this mail because you have no device registered for notifications and were not online. Change it in your notification settings.'].join('\n'),
  };
}
