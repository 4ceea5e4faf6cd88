import { z } from 'zod';

/** A goal is split into at most this many tasks per plan. */
export const MAX_TASKS = 8;

/** A validated plan, as a plan run's output (JSON) and as the goal service reads it. */
export interface Plan {
  summary: string;
  tasks: Array<{ title: string; assigneeId: string; instructions: string; doneWhen: string; dependsOn: number[] }>;
}

export const planSchema = z.object({
  summary: z.string(),
  tasks: z
    .array(
      z.object({
        title: z.string().trim().min(1).max(200),
        assigneeId: z.uuid(),
        instructions: z.string().trim().max(4000),
        doneWhen: z.string().trim().max(1000),
        dependsOn: z.array(z.number().int().min(1)),
      }),
    )
    .max(MAX_TASKS),
});
