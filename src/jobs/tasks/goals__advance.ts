import { z } from 'zod';

/**
 * Jobs of goals, declared apart from their handlers (in `task-list.ts`) so services can enqueue
 * them without importing what runs them.
 */

/** Moves a goal on: starts the tasks whose dependencies are done, re-plans, or asks for the report. */
export const advanceGoalJob = {
  name: 'goals__advance',
  payload: z.object({ goalId: z.uuid() }),
  spec: { maxAttempts: 10 },
} as const;

/** One queued advance per goal is enough: a new request replaces a waiting one. */
export const advanceJobKey = (goalId: string) => `goal:${goalId}`;

/** Turns due schedules into goals (run every minute by graphile-worker's cron, and on demand). */
export const tickSchedulesJob = {
  name: 'schedules__tick',
  // graphile-worker's cron adds `_cron: { ts, backfilled }`; nothing else is expected.
  payload: z.object({ _cron: z.object({ ts: z.string() }).partial().optional() }),
  spec: { maxAttempts: 3 },
} as const;
