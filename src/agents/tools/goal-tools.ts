import { z } from 'zod';
import { findGoal, setTaskResultFromRun, updateTask } from '../../repositories/goals.ts';
import { findRun, saveRunProgress } from '../../repositories/runs.ts';
import { runEvent } from '../../services/runs.ts';
import { transactionWithEvents } from '../../realtime/transactional.ts';
import { goalEvent } from '../../services/goal-runs.ts';
import { defineTool, ToolError, type ToolContext } from './types.ts';

/** The goal task the calling run works on. */
async function taskOf(ctx: ToolContext): Promise<{ goalId: string; taskId: string }> {
  const run = await findRun(ctx.services.db, ctx.runId);
  if (!run?.goalId || !run.goalTaskId) throw new ToolError('this is not a goal task; just answer in the thread');
  return { goalId: run.goalId, taskId: run.goalTaskId };
}

/**
 * `report_progress`, in every run: `{ stage, percent?, message }` saved on `Run.progress` and sent
 * as a RunEvent carrying `progress` (the run keeps running, typing stays on). In a goal task the
 * message is also the task's progress (GoalTask.progress, goalEvents).
 */
export const reportProgressTool = defineTool({
  name: 'report_progress',
  description:
    'On longer work: tell the people here where you stand, while you keep working. A stage in a few words, a percentage if you know it, and a one-line status.',
  input: z.object({
    stage: z.string().trim().min(1).max(60).describe('The stage you are at, in a few words (e.g. "drafting").'),
    percent: z.number().int().min(0).max(100).nullish().describe('How far along you are, 0-100, if you can tell.'),
    message: z.string().trim().min(1).max(500).describe('Where the work stands, one or two sentences.'),
  }),
  async run(input, ctx) {
    const progress = { stage: input.stage, percent: input.percent ?? null, message: input.message };
    const saved = await transactionWithEvents(ctx.services, async (trx, emit) => {
      const run = await saveRunProgress(trx, ctx.runId, { ...progress, at: new Date().toISOString() });
      if (!run) return false;
      await emit({ ...runEvent(run), progress });
      if (run.goalId && run.goalTaskId) {
        await updateTask(trx, run.goalTaskId, { progress: input.message });
        const goal = await findGoal(trx, run.goalId);
        if (goal) await emit(goalEvent(goal, 'task', run.goalTaskId));
      }
      return true;
    });
    if (!saved) throw new ToolError('this run is no longer running; stop here');
    return { summary: 'Progress shared with the team.' };
  },
});

/** `complete_task`: hands in the task's result explicitly (else the final answer is the result). */
export const completeTaskTool = defineTool({
  name: 'complete_task',
  description: 'While working on a goal task: hand in your result (complete and self-contained). Then end your turn with a short message for the thread.',
  input: z.object({ result: z.string().trim().min(1).max(20_000).describe('The result of your task.') }),
  async run(input, ctx) {
    const { taskId } = await taskOf(ctx);
    if (!(await setTaskResultFromRun(ctx.services.db, taskId, { id: ctx.runId, attempt: ctx.attempt }, input.result))) {
      throw new ToolError('this task is no longer yours to finish (it was stopped or restarted); stop here');
    }
    return { summary: 'Result handed in. Finish with a short note for the thread.' };
  },
});
