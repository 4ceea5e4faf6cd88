import { z } from 'zod';
import { findGoal, setTaskResultFromRun, updateTask } from '../../repositories/goals.ts';
import { findRun } from '../../repositories/runs.ts';
import { transactionWithEvents } from '../../realtime/transactional.ts';
import { goalEvent } from '../../services/goal-runs.ts';
import { defineTool, ToolError, type ToolContext } from './types.ts';

/** The goal task the calling run works on. */
async function taskOf(ctx: ToolContext): Promise<{ goalId: string; taskId: string }> {
  const run = await findRun(ctx.services.db, ctx.runId);
  if (!run?.goalId || !run.goalTaskId) throw new ToolError('this is not a goal task; just answer in the thread');
  return { goalId: run.goalId, taskId: run.goalTaskId };
}

/** `report_progress`: a short status of the task, shown on the goal (GoalTask.progress, goalEvents). */
export const reportProgressTool = defineTool({
  name: 'report_progress',
  description: 'While working on a goal task: tell the team how it is going (one or two sentences). Shown on the goal as it happens.',
  input: z.object({ message: z.string().trim().min(1).max(500).describe('Where the task stands.') }),
  async run(input, ctx) {
    const { goalId, taskId } = await taskOf(ctx);
    await transactionWithEvents(ctx.services, async (trx, emit) => {
      await updateTask(trx, taskId, { progress: input.message });
      const goal = await findGoal(trx, goalId);
      if (goal) await emit(goalEvent(goal, 'task', taskId));
    });
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
