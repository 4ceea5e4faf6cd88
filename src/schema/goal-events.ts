import type { GoalEventPayload } from '../services/goal-events.ts';
import { builder } from './builder.ts';
import { isType, ViewerEventRef } from './events.ts';
import { GoalRef, GoalTaskRef } from './goals.ts';
import { ThreadRef } from './threads.ts';

export const GoalChangeEnum = builder.enumType('GoalChange', {
  description: 'What moved in a goal.',
  values: {
    CREATED: { value: 'created', description: 'It was asked for; the coordinator starts planning.' },
    PLANNED: { value: 'planned', description: 'Its plan (or a new plan) is in: see `goal.tasks`.' },
    TASK: { value: 'task', description: 'A task was queued, started, progressed, finished or failed: see `task`.' },
    STATUS: { value: 'status', description: 'The goal’s status changed (reporting, succeeded, failed, cancelled, re-planning).' },
  } as const,
});

export const GoalEventRef = builder.objectRef<GoalEventPayload>('GoalEvent').implement({
  description: 'A goal moved. On `goalEvents` (one goal) and `viewerEvents` (every goal in the caller’s threads); live only.',
  interfaces: [ViewerEventRef],
  isTypeOf: isType('goal'),
  fields: (t) => ({
    thread: t.field({ type: ThreadRef, description: 'The goal’s thread.', resolve: (e) => e.thread }),
    change: t.field({ type: GoalChangeEnum, description: 'What moved.', resolve: (e) => e.change }),
    goal: t.field({ type: GoalRef, description: 'The goal as it is now.', resolve: (e) => e.goal }),
    task: t.field({ type: GoalTaskRef, nullable: true, description: 'The task that moved (TASK).', resolve: (e) => e.task }),
  }),
});
