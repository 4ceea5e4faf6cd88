import type { Transaction } from 'kysely';
import { z } from 'zod';
import { mentionedTeammates, routeMessage, type Route } from '../models/routing.ts';
import type { Executor } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { transactionWithEvents, type Emit } from '../realtime/transactional.ts';
import { appendMessage, findByClientMessageId, listAuthoredMessages, type Message } from '../repositories/messages.ts';
import { runsTriggeredBy } from '../repositories/run-lists.ts';
import type { Run } from '../repositories/runs.ts';
import { findTeammatesInOrg, hiredTeammatesInThread } from '../repositories/teammates.ts';
import { otherPeopleInThread, type Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import { ConflictError } from './errors.ts';
import { stopThreadWork } from './goals.ts';
import { attachFilesToMessage } from './message-files.ts';
import { messageEvent } from './message-events.ts';
import { notifyAbout } from './notify.ts';
import { lockForRunQuota, startRunsForMessage } from './runs.ts';
import { postSystemMessage } from './system-messages.ts';
import { lockVisibleThread, visibleThread } from './threads.ts';
import { parseInput } from './validation.ts';
import type { Viewer } from '../core/viewer.ts';
import { textSchema } from './text.ts';

export const MAX_BODY_LENGTH = 32_000;

const sendMessageSchema = z.object({
  body: textSchema({ max: MAX_BODY_LENGTH, multiline: true }),
  clientMessageId: z.string().trim().min(1).max(100, 'must be at most 100 characters').nullish(),
  fileIds: z.array(z.string()).max(20, 'at most 20 files').default([]),
});

/** Finds @mentions of people in the thread: "@Ada" or "@Ada Lovelace" (case-insensitive). */
function mentionedUsers(body: string, people: Array<{ id: string; displayName: string }>): string[] {
  const lower = body.toLowerCase();
  return people
    .filter((p) => {
      const full = p.displayName.toLowerCase();
      const first = full.split(/\s+/)[0]!;
      return [full, first].some((name) => new RegExp(`(^|[^\\w@])@${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`, 'u').test(lower));
    })
    .map((p) => p.id);
}

/** "stop", "cancel", "/stop", "stop please"…: a person asking the teammates working here to stop. */
export function isStopCommand(body: string): boolean {
  return /^\s*\/?(stop|cancel)(\s+(it|that|this|please|now|everything|all))*\s*[.!]*\s*$/i.test(body);
}

/**
 * Who answers a message: in a direct thread its teammate (while hired); in a team thread the
 * @mentioned teammates, else the router's choice (one teammate, never everyone by accident).
 * Called before the message's transaction — the router may call a model, which must not hold locks.
 */
async function chooseResponders(services: AppServices, thread: Thread, body: string): Promise<Route> {
  const candidates = await hiredTeammatesInThread(services.db, thread.id);
  if (thread.kind === 'direct') {
    const teammate = candidates.find((c) => c.id === thread.directTeammateId);
    return { teammateIds: teammate ? [teammate.id] : [], via: teammate ? 'direct' : 'none' };
  }
  const mentioned = mentionedTeammates(body, candidates);
  if (mentioned.length > 0) return { teammateIds: mentioned, via: 'mention' };
  const recent = candidates.length > 1 ? await listAuthoredMessages(services.db, thread.id, { afterSeq: thread.sessionStartSeq, limit: 12 }) : [];
  return routeMessage(services, { orgId: thread.orgId, body, candidates, recent, leadId: thread.leadTeammateId });
}

export interface SentMessage {
  message: Message;
  /** The runs answering it (a run still waiting to start may answer several messages). */
  runs: Run[];
  created: boolean;
}

async function repeatOf(trx: Executor, earlier: Message, body: string): Promise<SentMessage> {
  if (earlier.body !== body) throw new ConflictError('This clientMessageId was already used for a different message');
  return { message: earlier, runs: await runsTriggeredBy(trx, earlier.id), created: false };
}

/**
 * Posts a person's message and starts the teammates' answers. In one transaction: the message
 * (seq and event position allocated under the thread lock), the runs of its responders with their
 * jobs, the usage they are charged; events are published when it commits. Idempotent on
 * `clientMessageId`: a retry returns the first message and its runs and creates nothing; the same
 * key with another body is a conflict. "stop" stops the teammates working in the thread instead.
 */
export async function sendMessage(
  services: AppServices,
  viewer: Viewer,
  threadId: string,
  input: unknown,
  options: { inline?: boolean } = {},
): Promise<SentMessage> {
  const values = parseInput(sendMessageSchema, input);
  const thread = await visibleThread(services, viewer, threadId);
  if (values.clientMessageId) {
    const earlier = await findByClientMessageId(services.db, thread.id, viewer.user.id, values.clientMessageId);
    if (earlier) return repeatOf(services.db, earlier, values.body);
  }
  if (thread.archivedAt) throw new ConflictError('This thread is archived; unarchive it to post');
  const stop = isStopCommand(values.body);
  const route = stop ? undefined : await chooseResponders(services, thread, values.body);
  return transactionWithEvents(services, async (trx, emit) => {
    await lockForRunQuota(services, trx, viewer.org.id);
    const locked = await lockVisibleThread(trx, viewer, threadId);
    if (values.clientMessageId) {
      const earlier = await findByClientMessageId(trx, locked.id, viewer.user.id, values.clientMessageId);
      if (earlier) return repeatOf(trx, earlier, values.body);
    }
    if (locked.archivedAt) throw new ConflictError('This thread is archived; unarchive it to post');
    const message = await appendMessage(trx, {
      orgId: locked.orgId,
      threadId: locked.id,
      authorKind: 'user',
      authorUserId: viewer.user.id,
      body: values.body,
      clientMessageId: values.clientMessageId ?? null,
      metadata: route ? { routedBy: route.via } : { command: 'stop' },
    });
    await attachFilesToMessage(trx, locked.orgId, message.id, values.fileIds);
    const mentions = values.body.includes('@') ? mentionedUsers(values.body, await otherPeopleInThread(trx, locked.id, viewer.user.id)) : [];
    await emit({ ...messageEvent(message, true), mentions });
    await notifyAbout(services, trx, { source: 'message', id: message.id, threadId: message.threadId, mentions, authorUserId: viewer.user.id });
    if (!route) {
      await stopTeammates(services, trx, emit, locked);
      return { message, runs: [], created: true };
    }
    const runs = await startRunsForMessage(services, trx, emit, { thread: locked, message, teammateIds: route.teammateIds, userId: viewer.user.id, inline: options.inline });
    return { message, runs, created: true };
  });
}

/** The "stop" command: stops the thread's goals and every run in it, and says who and what was stopped. */
async function stopTeammates(services: Pick<AppServices, 'jobs'>, trx: Transaction<DB>, emit: Emit, thread: Thread): Promise<void> {
  const { goals, runs: cancelled } = await stopThreadWork(services, trx, emit, thread.id, 'Stopped on request');
  const names = (await findTeammatesInOrg(trx, thread.orgId, [...new Set(cancelled.filter((r) => r.kind !== 'delegation').map((r) => r.teammateId))])).map((t) => t.name);
  const what = [...names, ...(goals.length ? [goals.length === 1 ? 'the goal' : `${goals.length} goals`] : [])];
  await postSystemMessage(trx, emit, thread, what.length ? `Stopped ${listOf(what)} as requested.` : 'Nobody was working on anything here.');
}

const listOf = (names: string[]) => (names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);
