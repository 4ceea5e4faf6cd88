import { encodeGlobalID, resolveCursorConnection } from '@pothos/plugin-relay';
import { activityAt, listThreadsOfMember, type Thread } from '../repositories/threads.ts';
import { builder } from '../schema/builder.ts';
import { decodePosition, encodePosition } from '../schema/cursors.ts';
import { MessageRef } from '../schema/messages.ts';
import { TeammateRef } from '../schema/teammates.ts';
import { BusyPolicyEnum, ThreadKindEnum, ThreadRef } from '../schema/threads.ts';
import { UserRef } from '../schema/users.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../services/errors.ts';
import { deleteThread } from '../services/thread-deletion.ts';
import { resetThreadSession, type SessionReset } from '../services/thread-sessions.ts';
import { createThread, markThreadRead, updateThread } from '../services/threads.ts';

const asThreadPosition = (p: { at: Date; id: string } | undefined) => p && { activityAt: p.at, id: p.id };

builder.queryFields((t) => ({
  threads: t.connection({
    type: ThreadRef,
    description: "The caller's threads in the current organisation, most recent activity first.",
    args: { includeArchived: t.arg.boolean({ description: 'Include archived threads (default false).' }) },
    resolve: (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      return resolveCursorConnection<Promise<Thread[]>>(
        { args, toCursor: (th) => encodePosition(activityAt(th), th.id), defaultSize: 30, maxSize: 100 },
        ({ after, before, limit, inverted }) =>
          listThreadsOfMember(ctx.db, viewer.org.id, viewer.user.id, {
            limit,
            inverted,
            after: asThreadPosition(decodePosition(after)),
            before: asThreadPosition(decodePosition(before)),
            includeArchived: args.includeArchived ?? false,
          }),
      );
    },
  }),
  thread: t.field({
    type: ThreadRef,
    nullable: true,
    description: 'One of the caller’s threads; null if there is none with that id.',
    args: { id: t.arg.globalID({ required: true, for: ThreadRef, description: 'Thread id.' }) },
    resolve: (_root, args, ctx) => {
      requireViewer(ctx);
      return args.id.id;
    },
  }),
}));

const CreateThreadInput = builder.inputType('CreateThreadInput', {
  description: 'A new thread. A DIRECT thread with a teammate you already have is returned, not duplicated.',
  fields: (t) => ({
    kind: t.field({ type: ThreadKindEnum, required: true, description: 'DIRECT (one teammate) or TEAM.' }),
    teammateIds: t.globalIDList({ required: true, for: TeammateRef, description: 'Hired teammates to include.' }),
    userIds: t.globalIDList({ for: UserRef, description: 'Other people of the organisation (TEAM only).' }),
    title: t.string({ description: 'Title (1–200 characters).' }),
  }),
});

const UpdateThreadInput = builder.inputType('UpdateThreadInput', {
  description: 'Changes to a thread; omitted fields stay.',
  fields: (t) => ({
    threadId: t.globalID({ required: true, for: ThreadRef, description: 'The thread.' }),
    title: t.string({ description: 'New title (null clears it).' }),
    busyPolicy: t.field({ type: BusyPolicyEnum, description: 'Queue or interrupt.' }),
    archived: t.boolean({ description: 'Archive (true) or unarchive (false).' }),
    addTeammateIds: t.globalIDList({ for: TeammateRef, description: 'Teammates to add (TEAM only).' }),
    removeTeammateIds: t.globalIDList({ for: TeammateRef, description: 'Teammates to remove (TEAM only).' }),
    addUserIds: t.globalIDList({ for: UserRef, description: 'People to add (TEAM only).' }),
    removeUserIds: t.globalIDList({ for: UserRef, description: 'People to remove (TEAM only).' }),
    expectedRevision: t.int({ description: 'The `revision` this edit was made from; a ConflictError (with the current revision) when it has changed since. Omit to overwrite.' }),
  }),
});

const MarkThreadReadInput = builder.inputType('MarkThreadReadInput', {
  description: 'Moves the caller’s read position forward (never back).',
  fields: (t) => ({
    threadId: t.globalID({ required: true, for: ThreadRef, description: 'The thread.' }),
    seq: t.int({ required: true, description: 'Seq of the last message read.' }),
  }),
});

const CreateThreadPayload = builder.objectRef<{ thread: Thread; created: boolean }>('CreateThreadPayload').implement({
  description: 'The thread, and whether it is new.',
  fields: (t) => ({
    thread: t.field({ type: ThreadRef, description: 'The thread.', resolve: (p) => p.thread }),
    created: t.exposeBoolean('created', { description: 'False when an existing direct thread was returned.' }),
  }),
});

const MarkThreadReadPayload = builder.objectRef<{ thread: Thread; lastReadSeq: number }>('MarkThreadReadPayload').implement({
  description: 'The read position after the change.',
  fields: (t) => ({
    thread: t.field({ type: ThreadRef, description: 'The thread.', resolve: (p) => p.thread }),
    lastReadSeq: t.exposeInt('lastReadSeq', { description: 'The caller’s read position.' }),
  }),
});

const ResetThreadSessionInput = builder.inputType('ResetThreadSessionInput', {
  description: 'The thread whose teammates start a fresh session.',
  fields: (t) => ({
    threadId: t.globalID({ required: true, for: ThreadRef, description: 'The thread.' }),
  }),
});

const ResetThreadSessionPayload = builder.objectRef<SessionReset>('ResetThreadSessionPayload').implement({
  description: 'The thread after the reset and the system message that marks it.',
  fields: (t) => ({
    thread: t.field({ type: ThreadRef, description: 'The thread (see `sessionStartSeq`).', resolve: (p) => p.thread }),
    message: t.field({ type: MessageRef, description: 'The system message where the new session starts.', resolve: (p) => p.message }),
    forgottenNotes: t.exposeInt('forgottenNotes', { description: 'Notes the teammates kept about this thread, now deleted.' }),
    stoppedRuns: t.exposeInt('stoppedRuns', { description: 'Replies being written from the old session, now cancelled.' }),
  }),
});

const DeleteThreadInput = builder.inputType('DeleteThreadInput', {
  description: 'The thread to delete.',
  fields: (t) => ({
    threadId: t.globalID({ required: true, for: ThreadRef, description: 'The thread.' }),
  }),
});

const DeleteThreadPayload = builder.objectRef<{ deletedThreadId: string }>('DeleteThreadPayload').implement({
  description: 'The id of the deleted thread.',
  fields: (t) => ({
    deletedThreadId: t.id({ description: 'Global id of the deleted thread.', resolve: (p) => encodeGlobalID('Thread', p.deletedThreadId) }),
  }),
});

const ids = (list: ReadonlyArray<{ id: string }> | null | undefined) => (list ?? []).map((g) => g.id);

builder.mutationFields((t) => ({
  createThread: t.field({
    type: CreateThreadPayload,
    description: 'Starts a thread with teammates (and people), or returns your direct thread with a teammate.',
    errors: { types: [ValidationError, NotFoundError] },
    args: { input: t.arg({ type: CreateThreadInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      createThread(ctx.services, requireViewer(ctx), {
        kind: input.kind,
        teammateIds: ids(input.teammateIds),
        userIds: ids(input.userIds),
        title: input.title,
      }),
  }),
  updateThread: t.field({
    type: ThreadRef,
    description: 'Renames, archives, changes the busy policy or the members of a thread.',
    errors: { types: [ValidationError, NotFoundError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: UpdateThreadInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      updateThread(ctx.services, requireViewer(ctx), input.threadId.id, {
        title: input.title,
        busyPolicy: input.busyPolicy,
        archived: input.archived,
        addTeammateIds: ids(input.addTeammateIds),
        removeTeammateIds: ids(input.removeTeammateIds),
        addUserIds: ids(input.addUserIds),
        removeUserIds: ids(input.removeUserIds),
        expectedRevision: input.expectedRevision,
      }),
  }),
  resetThreadSession: t.field({
    type: ResetThreadSessionPayload,
    description:
      'Starts a fresh session: teammates no longer see the earlier messages, forget their notes about this thread (not what they know in general) and drop their summaries of it; replies being written are stopped. People keep the whole history.',
    errors: { types: [NotFoundError, ConflictError] },
    args: { input: t.arg({ type: ResetThreadSessionInput, required: true }) },
    resolve: (_root, { input }, ctx) => resetThreadSession(ctx.services, requireViewer(ctx), input.threadId.id),
  }),
  deleteThread: t.field({
    type: DeleteThreadPayload,
    description:
      'Deletes a thread for everyone in it, with its messages, runs, goals and schedules; work in progress is stopped first. Direct threads: their person; team threads: their creator or an admin; the team chat cannot be deleted.',
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: DeleteThreadInput, required: true }) },
    resolve: (_root, { input }, ctx) => deleteThread(ctx.services, requireViewer(ctx), input.threadId.id),
  }),
  markThreadRead: t.field({
    type: MarkThreadReadPayload,
    description: 'Marks messages up to `seq` as read; unread counts follow.',
    errors: { types: [ValidationError, NotFoundError, ConflictError] },
    args: { input: t.arg({ type: MarkThreadReadInput, required: true }) },
    resolve: (_root, { input }, ctx) => markThreadRead(ctx.services, requireViewer(ctx), input.threadId.id, { seq: input.seq }),
  }),
}));
