import { resolveCursorConnection } from '@pothos/plugin-relay';
import { listVisibleRuns } from '../repositories/run-lists.ts';
import type { Run } from '../repositories/runs.ts';
import { builder } from '../schema/builder.ts';
import { decodePosition, encodePosition } from '../schema/cursors.ts';
import { RunRef, RunStatusEnum } from '../schema/runs.ts';
import { TeammateRef } from '../schema/teammates.ts';
import { ThreadRef } from '../schema/threads.ts';
import { requireViewer } from '../core/context.ts';
import { NotFoundError } from '../services/errors.ts';
import { cancelRun } from '../services/runs.ts';

builder.queryField('runs', (t) =>
  t.connection({
    type: RunRef,
    description: 'Teammate runs in the caller’s threads, newest first: what teammates are doing and did, with their spend.',
    args: {
      threadId: t.arg.globalID({ for: ThreadRef, description: 'Only this thread.' }),
      status: t.arg({ type: RunStatusEnum, description: 'Only runs in this status (e.g. RUNNING for who is typing).' }),
      teammateId: t.arg.globalID({ for: TeammateRef, description: 'Only this teammate’s.' }),
      includeDelegations: t.arg.boolean({ description: 'Include runs that answered other teammates (default false).' }),
    },
    resolve: (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      return resolveCursorConnection<Promise<Run[]>>(
        { args, toCursor: (r) => encodePosition(r.createdAt, r.id), defaultSize: 30, maxSize: 100 },
        ({ after, before, limit, inverted }) =>
          listVisibleRuns(
            ctx.db,
            viewer.org.id,
            viewer.user.id,
            {
              threadId: args.threadId?.id,
              status: args.status ?? undefined,
              teammateId: args.teammateId?.id,
              includeDelegations: args.includeDelegations ?? false,
            },
            { limit, inverted, after: decodePosition(after), before: decodePosition(before) },
          ),
      );
    },
  }),
);

const CancelRunInput = builder.inputType('CancelRunInput', {
  description: 'A run to stop.',
  fields: (t) => ({ runId: t.globalID({ required: true, for: RunRef, description: 'The run.' }) }),
});

builder.mutationField('cancelRun', (t) =>
  t.field({
    type: RunRef,
    description:
      'Stops a queued or running run (and the runs it asked): the worker aborts its model call, so spending stops; the half-written reply stays, marked CANCELLED. Cancelling a finished run changes nothing and returns it.',
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: CancelRunInput, required: true }) },
    resolve: (_root, { input }, ctx) => cancelRun(ctx.services, requireViewer(ctx), input.runId.id),
  }),
);
