import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.ts';
import type { Executor } from '../db/database.ts';
import { transactionWithEvents, type Emit } from '../realtime/transactional.ts';
import { appendMessage } from '../repositories/messages.ts';
import { postSystemMessage } from './system-messages.ts';
import { listMembersOfOrgs } from '../repositories/orgs.ts';
import { findTeammatesInOrg, hiredTeammateIds, type Teammate } from '../repositories/teammates.ts';
import {
  addThreadMembers,
  advanceReadPosition,
  findDefaultThread,
  findDirectThread,
  findThreadsOfMember,
  insertThread,
  lockThread,
  lockThreadOfMember,
  membersOfThreads,
  removeThreadMembers,
  removeUserFromOrgThreads,
  threadsWithTeammate,
  updateThreadRow,
  type BusyPolicy,
  type Thread,
} from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import { ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { parseInput } from './validation.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { textSchema } from './text.ts';
import { expectedRevisionOf, expectRevision } from './revisions.ts';

const DEFAULT_THREAD_TITLE = 'Team chat';

/** A thread the viewer may read: in their current organisation, and they are a member. */
export async function visibleThread(services: Pick<AppServices, 'db'>, viewer: Viewer, threadId: string): Promise<Thread> {
  const [thread] = await findThreadsOfMember(services.db, viewer.org.id, viewer.user.id, [threadId]);
  if (!thread) throw new NotFoundError('Thread');
  return thread;
}

/** Locks a thread the viewer may write to (member, current organisation) for the rest of `trx`. */
export async function lockVisibleThread(trx: Executor, viewer: Viewer, threadId: string): Promise<Thread> {
  const thread = await lockThreadOfMember(trx, viewer.org.id, viewer.user.id, threadId);
  if (!thread) throw new NotFoundError('Thread');
  return thread;
}

/**
 * The organisation's default team thread ("Team chat"), created on first need with every member
 * and every hired teammate. Concurrency-safe: a unique index allows one per organisation.
 */
export async function ensureDefaultThread(trx: Executor, orgId: string, createdBy: string | null): Promise<Thread> {
  const created = await insertThread(trx, { orgId, kind: 'team', isDefault: true, title: DEFAULT_THREAD_TITLE, createdBy });
  const thread = created ?? (await findDefaultThread(trx, orgId))!;
  if (created) {
    const members = (await listMembersOfOrgs(trx, [orgId])).get(orgId) ?? [];
    const teammates = await hiredTeammateIds(trx, orgId);
    await addThreadMembers(trx, thread.id, { userIds: members.map((m) => m.userId), teammateIds: teammates.map((t) => t.id) });
    if (teammates[0]) await updateThreadRow(trx, thread.id, { leadTeammateId: teammates[0].id });
  }
  return thread;
}

/** A teammate joined the team: they join the team chat, which says so. */
export async function announceTeammateJoined(trx: Transaction<DB>, emit: Emit, teammate: Teammate, userId: string | null) {
  const thread = await ensureDefaultThread(trx, teammate.orgId, userId);
  await addThreadMembers(trx, thread.id, { teammateIds: [teammate.id] });
  const locked = (await lockThread(trx, thread.id))!;
  if (!locked.leadTeammateId) await updateThreadRow(trx, thread.id, { leadTeammateId: teammate.id });
  await postSystemMessage(trx, emit, locked, `${teammate.name} joined the chat`);
  await emit({ kind: 'thread', orgId: thread.orgId, threadId: thread.id, change: 'members' });
}

/** A teammate was dismissed: they leave the team threads (which say so); their direct thread and history stay. */
export async function announceTeammateLeft(trx: Transaction<DB>, emit: Emit, teammate: Teammate) {
  for (const threadId of await threadsWithTeammate(trx, teammate.id)) {
    const thread = (await lockThread(trx, threadId))!;
    if (thread.kind !== 'team') continue;
    await removeThreadMembers(trx, thread.id, { teammateIds: [teammate.id] });
    if (thread.leadTeammateId === teammate.id) await updateThreadRow(trx, thread.id, { leadTeammateId: null });
    await postSystemMessage(trx, emit, thread, `${teammate.name} left the chat`);
    await emit({ kind: 'thread', orgId: thread.orgId, threadId: thread.id, change: 'members' });
  }
}

/** Onboarding: a direct thread with a new person's first teammate, who says hello in it. */
export async function openDirectThreadWithGreeting(trx: Executor, teammate: Teammate, user: { id: string }): Promise<Thread> {
  const thread = (await insertThread(trx, {
    orgId: teammate.orgId,
    kind: 'direct',
    createdBy: user.id,
    leadTeammateId: teammate.id,
    directUserId: user.id,
    directTeammateId: teammate.id,
  }))!;
  await addThreadMembers(trx, thread.id, { userIds: [user.id], teammateIds: [teammate.id] });
  await appendMessage(trx, {
    orgId: thread.orgId,
    threadId: thread.id,
    authorKind: 'teammate',
    authorTeammateId: teammate.id,
    body: `Hi! I'm ${teammate.name}, your ${teammate.role.toLowerCase()}. ${teammate.description ?? ''}`.trim(),
  });
  return thread;
}

/** A person joined an organisation: they join its team chat. */
export async function onOrgMemberJoined(trx: Executor, orgId: string, userId: string): Promise<void> {
  const thread = await ensureDefaultThread(trx, orgId, userId);
  await addThreadMembers(trx, thread.id, { userIds: [userId] });
}

/** A person left an organisation: they leave all its threads, and their live subscriptions end. */
export async function onOrgMemberRemoved(trx: Executor, emit: Emit, orgId: string, userId: string): Promise<void> {
  await removeUserFromOrgThreads(trx, orgId, userId);
  await emit({ kind: 'org_member_removed', orgId, userId });
}

const createThreadSchema = z
  .object({
    kind: z.enum(['direct', 'team']),
    teammateIds: z.array(z.string()).max(50, 'at most 50 teammates').default([]),
    userIds: z.array(z.string()).max(200, 'at most 200 people').default([]),
    title: textSchema({ max: 200 }).nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === 'direct' && v.teammateIds.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['teammateIds'], message: 'a direct thread has exactly one teammate' });
    }
    if (v.kind === 'direct' && v.userIds.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['userIds'], message: 'a direct thread is between you and one teammate' });
    }
  });

async function hiredTeammates(services: AppServices, trx: Executor, viewer: Viewer, ids: string[]): Promise<Teammate[]> {
  const unique = [...new Set(ids)];
  const found = (await findTeammatesInOrg(trx, viewer.org.id, unique)).filter((t) => t.status === 'hired');
  if (found.length !== unique.length) throw new NotFoundError('Teammate');
  return unique.map((id) => found.find((t) => t.id === id)!);
}

async function orgUsers(trx: Executor, viewer: Viewer, ids: string[]): Promise<string[]> {
  const members = new Set(((await listMembersOfOrgs(trx, [viewer.org.id])).get(viewer.org.id) ?? []).map((m) => m.userId));
  const unique = [...new Set(ids)];
  if (unique.some((id) => !members.has(id))) throw new NotFoundError('User');
  return unique;
}

/**
 * Creates a thread. A direct thread per (person, teammate) is reused, never duplicated — the
 * unique index settles concurrent requests.
 */
export async function createThread(
  services: AppServices,
  viewer: Viewer,
  input: unknown,
): Promise<{ thread: Thread; created: boolean }> {
  const values = parseInput(createThreadSchema, input);
  return transactionWithEvents(services, async (trx, emit) => {
    const teammates = await hiredTeammates(services, trx, viewer, values.teammateIds);
    if (values.kind === 'direct') {
      const teammate = teammates[0]!;
      const created = await insertThread(trx, {
        orgId: viewer.org.id,
        kind: 'direct',
        title: values.title ?? null,
        createdBy: viewer.user.id,
        leadTeammateId: teammate.id,
        directUserId: viewer.user.id,
        directTeammateId: teammate.id,
      });
      if (!created) return { thread: (await findDirectThread(trx, viewer.org.id, viewer.user.id, teammate.id))!, created: false };
      await addThreadMembers(trx, created.id, { userIds: [viewer.user.id], teammateIds: [teammate.id] });
      await emit({ kind: 'thread', orgId: created.orgId, threadId: created.id, change: 'created' });
      return { thread: created, created: true };
    }
    const userIds = await orgUsers(trx, viewer, values.userIds);
    const thread = (await insertThread(trx, {
      orgId: viewer.org.id,
      kind: 'team',
      title: values.title ?? (teammates.map((t) => t.name).join(', ') || 'New thread'),
      createdBy: viewer.user.id,
      leadTeammateId: teammates[0]?.id ?? null,
    }))!;
    await addThreadMembers(trx, thread.id, { userIds: [viewer.user.id, ...userIds], teammateIds: teammates.map((t) => t.id) });
    await emit({ kind: 'thread', orgId: thread.orgId, threadId: thread.id, change: 'created' });
    return { thread, created: true };
  });
}

const updateThreadSchema = z.object({
  title: textSchema({ max: 200 }).nullish(),
  busyPolicy: z.enum(['queue', 'interrupt']).nullish(),
  archived: z.boolean().nullish(),
  addTeammateIds: z.array(z.string()).max(50).default([]),
  removeTeammateIds: z.array(z.string()).max(50).default([]),
  addUserIds: z.array(z.string()).max(200).default([]),
  removeUserIds: z.array(z.string()).max(200).default([]),
});

export async function updateThread(services: AppServices, viewer: Viewer, threadId: string, input: unknown): Promise<Thread> {
  const values = parseInput(updateThreadSchema, input);
  return transactionWithEvents(services, async (trx, emit) => {
    const thread = await lockVisibleThread(trx, viewer, threadId);
    await expectRevision(trx, 'threads', thread.id, expectedRevisionOf(input));
    const membersChange =
      values.addTeammateIds.length + values.removeTeammateIds.length + values.addUserIds.length + values.removeUserIds.length > 0;
    if (membersChange) {
      if (thread.kind === 'direct') throw new ForbiddenError('A direct thread is between one person and one teammate');
      const removingOthers = values.removeUserIds.some((id) => id !== viewer.user.id);
      if (removingOthers && thread.createdBy !== viewer.user.id && !canManageOrg(viewer.role)) {
        throw new ForbiddenError('Only the thread’s creator and organisation admins can remove other people');
      }
      const adding = await hiredTeammates(services, trx, viewer, values.addTeammateIds);
      const addingUsers = await orgUsers(trx, viewer, values.addUserIds);
      await addThreadMembers(trx, thread.id, { userIds: addingUsers, teammateIds: adding.map((t) => t.id) });
      await removeThreadMembers(trx, thread.id, { userIds: values.removeUserIds, teammateIds: values.removeTeammateIds });
      const remaining = (await membersOfThreads(trx, [thread.id])).get(thread.id) ?? [];
      if (!remaining.some((m) => m.userId)) throw new ValidationError([{ field: 'removeUserIds', message: 'a thread keeps at least one person' }]);
      if (thread.leadTeammateId && values.removeTeammateIds.includes(thread.leadTeammateId)) {
        await updateThreadRow(trx, thread.id, { leadTeammateId: remaining.find((m) => m.teammateId)?.teammateId ?? null });
      } else if (!thread.leadTeammateId && adding[0]) {
        await updateThreadRow(trx, thread.id, { leadTeammateId: adding[0].id });
      }
    }
    const updated = await updateThreadRow(trx, thread.id, {
      title: values.title === null ? null : values.title,
      busyPolicy: (values.busyPolicy ?? undefined) as BusyPolicy | undefined,
      archived: values.archived ?? undefined,
    });
    await emit({ kind: 'thread', orgId: thread.orgId, threadId: thread.id, change: membersChange ? 'members' : 'updated' });
    return updated;
  });
}

export async function markThreadRead(
  services: AppServices,
  viewer: Viewer,
  threadId: string,
  input: { seq: number },
): Promise<{ thread: Thread; lastReadSeq: number }> {
  const { seq } = parseInput(z.object({ seq: z.number().int().min(0, 'must not be negative') }), input);
  const thread = await visibleThread(services, viewer, threadId);
  const lastReadSeq = (await advanceReadPosition(services.db, thread.id, viewer.user.id, Math.min(seq, thread.lastSeq)))!;
  await services.bus.publish([{ kind: 'read', orgId: thread.orgId, threadId: thread.id, userId: viewer.user.id, seq: lastReadSeq }]);
  return { thread, lastReadSeq };
}
