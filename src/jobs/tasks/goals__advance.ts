import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import type { JobPayloads } from '../../core/jobs.ts';
import { advanceGoal } from '../../services/goals.ts';
import { defineTask } from '../define-task.ts';

const payload = z.object({ goalId: z.uuid() }) satisfies z.ZodType<JobPayloads['goals__advance']>;

/**
 * Moves a goal on: starts the tasks whose dependencies are done, re-plans, or asks for the report.
 * One queued advance per goal is enough (`advanceJobKey`): a new request replaces a waiting one.
 */
export const advanceGoalTask = defineTask<AppServices, typeof payload>({
  name: 'goals__advance',
  payload,
  spec: { maxAttempts: 10 },
  run: ({ goalId }, services) => advanceGoal(services, goalId),
});
