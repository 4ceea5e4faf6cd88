import type { AppServices } from '../server/context.ts';
import { runTurnJob } from './agent-jobs.ts';
import { advanceGoalJob, tickSchedulesJob } from './goal-jobs.ts';
import { advanceGoal } from '../services/goals.ts';
import { fireDueSchedules } from '../services/schedules.ts';
import { defineTask, type TaskDefinition } from './define-task.ts';
import { expireUploadTask, ingestFileTask, purgeFileTask } from './file-jobs.ts';
import { expireApprovalJob } from './approval-jobs.ts';
import { expireApproval } from '../services/tool-approvals.ts';

/**
 * Every task the worker runs. Each domain adds its tasks here as it gains background work
 * (agent turns, file ingestion, goals); names follow `<domain>__<verb>`.
 */
export const tasks: readonly TaskDefinition<AppServices>[] = [
  defineTask<AppServices, typeof runTurnJob.payload>({
    ...runTurnJob,
    run: ({ runId }, services, helpers) =>
      services.agents.execute(runId, {
        workerId: helpers.job.locked_by,
        attempts: helpers.job.attempts,
        maxAttempts: helpers.job.max_attempts,
        abortSignal: helpers.abortSignal,
      }),
  }),
  defineTask<AppServices, typeof advanceGoalJob.payload>({
    ...advanceGoalJob,
    run: ({ goalId }, services) => advanceGoal(services, goalId),
  }),
  defineTask<AppServices, typeof tickSchedulesJob.payload>({
    ...tickSchedulesJob,
    cron: '* * * * *',
    run: async (_payload, services) => {
      await fireDueSchedules(services);
    },
  }),
  defineTask<AppServices, typeof expireApprovalJob.payload>({
    ...expireApprovalJob,
    run: ({ approvalId }, services) => expireApproval(services, approvalId),
  }),
  ingestFileTask as TaskDefinition<AppServices>,
  expireUploadTask as TaskDefinition<AppServices>,
  purgeFileTask as TaskDefinition<AppServices>,
];
