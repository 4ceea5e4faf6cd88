import {
  activityAt,
  findThreadsOfMember,
  membersOfThreads,
  unreadCounts,
  type Thread,
  type ThreadMember,
} from '../repositories/threads.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { TeammateRef } from './teammates.ts';
import { UserRef } from './users.ts';

export const ThreadKindEnum = builder.enumType('ThreadKind', {
  description: 'One person with one teammate, or a team.',
  values: {
    DIRECT: { value: 'direct', description: 'One person and one teammate; one such thread per pair.' },
    TEAM: { value: 'team', description: 'Several teammates and people.' },
  } as const,
});

export const BusyPolicyEnum = builder.enumType('BusyPolicy', {
  description: 'What happens to a message that arrives while a teammate is still answering.',
  values: {
    QUEUE: { value: 'queue', description: 'The next turn starts after the current one and sees the new message.' },
    INTERRUPT: { value: 'interrupt', description: 'The running turn is cancelled and a new one starts.' },
  } as const,
});

/** Per-thread facts for lists of threads, each in one query per operation. */
const membersOf = batched<ThreadMember[]>((ctx, ids) => membersOfThreads(ctx.db, ids), []);
const unreadOf = batched<number>((ctx, ids) => (ctx.viewer ? unreadCounts(ctx.db, ctx.viewer.user.id, ids) : Promise.resolve(new Map())), 0);

export const ThreadMemberRef = builder.objectRef<ThreadMember>('ThreadMember').implement({
  description: 'A person or a teammate in a thread.',
  fields: (t) => ({
    user: t.field({ type: UserRef, nullable: true, description: 'The person, if a person.', resolve: (m) => m.userId }),
    teammate: t.field({ type: TeammateRef, nullable: true, description: 'The teammate, if a teammate.', resolve: (m) => m.teammateId }),
    lastReadSeq: t.int({ description: 'Seq of the last message they have read (people only).', resolve: (m) => m.lastReadSeq }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime', description: 'When they joined the thread.' }),
  }),
});

export const ThreadRef = builder.loadableNode('Thread', {
  description: 'A conversation: one person with one teammate, or a team. Visible to its people.',
  id: { resolve: (t: Thread) => t.id },
  sort: (t) => t.id,
  load: (ids: string[], ctx) =>
    ctx.viewer ? findThreadsOfMember(ctx.db, ctx.viewer.org.id, ctx.viewer.user.id, ids) : Promise.resolve([]),
  fields: (t) => ({
    kind: t.field({ type: ThreadKindEnum, description: 'Direct or team.', resolve: (th) => th.kind }),
    title: t.exposeString('title', { nullable: true, description: 'Title, if any (direct threads usually have none).' }),
    isDefault: t.exposeBoolean('isDefault', { description: "The organisation's team chat." }),
    busyPolicy: t.field({ type: BusyPolicyEnum, description: 'Queue or interrupt while a teammate answers.', resolve: (th) => th.busyPolicy }),
    archived: t.boolean({ description: 'Archived threads take no new messages.', resolve: (th) => th.archivedAt !== null }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true, description: 'When it was archived.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was created.' }),
    lastActivityAt: t.field({ type: 'DateTime', description: 'Last message, or creation.', resolve: (th) => activityAt(th) }),
    lastSeq: t.int({ description: 'Seq of the newest message (0 when empty).', resolve: (th) => th.lastSeq }),
    sessionStartSeq: t.int({
      description: 'Teammates see only messages after this seq: the system message of the last `resetThreadSession` (0 when never reset).',
      resolve: (th) => th.sessionStartSeq,
    }),
    eventCursor: t.string({
      description: 'Cursor of the newest durable event: pass it as `threadEvents(after:)` to continue from here.',
      resolve: (th) => String(th.lastEventSeq),
    }),
    leadTeammate: t.field({ type: TeammateRef, nullable: true, description: 'Answers when nobody is named.', resolve: (th) => th.leadTeammateId }),
    members: t.field({ type: [ThreadMemberRef], description: 'People and teammates in the thread.', resolve: (th, _a, ctx) => membersOf(ctx, th.id) }),
    unreadCount: t.int({
      description: "Messages after the caller's read position, other than their own.",
      resolve: (th, _a, ctx) => unreadOf(ctx, th.id),
    }),
    viewerLastReadSeq: t.int({
      description: "The caller's read position.",
      resolve: async (th, _a, ctx) => (await membersOf(ctx, th.id)).find((m) => m.userId === ctx.viewer?.user.id)?.lastReadSeq ?? 0,
    }),
  }),
});
