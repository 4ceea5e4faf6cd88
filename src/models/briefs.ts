import type { Goal, GoalTask } from '../repositories/goals.ts';
import type { Teammate } from '../repositories/teammates.ts';

/**
 * What a goal's task or report run is told, on top of the teammate's usual prompt: a section of the
 * system prompt and the request it answers (the last message it reads).
 */
export interface Brief {
  system: string;
  request: string;
}

/** Labels the offline model recognises (and which read naturally for a real one). */
export const TASK_LABEL = '[Goal task]';
export const REPORT_LABEL = '[Goal report]';

const RESULT_CHARS = 3_000;

const clip = (text: string, max = RESULT_CHARS) => (text.length > max ? `${text.slice(0, max)}… (cut)` : text);

function nameOf(team: Teammate[], id: string): string {
  return team.find((t) => t.id === id)?.name ?? 'a teammate';
}

/** A task run: the goal, the task, what "done" means, and the results of the tasks it builds on. */
export function taskBrief(input: { goal: Goal; task: GoalTask; tasks: GoalTask[]; team: Teammate[] }): Brief {
  const { goal, task, tasks, team } = input;
  const inputs = tasks.filter((t) => task.dependsOn.includes(t.id));
  const builtOn = inputs.length
    ? `\nResults you build on:\n${inputs.map((t) => `- ${t.title} (${nameOf(team, t.assigneeId)}): ${clip(t.result ?? '(no result)')}`).join('\n')}`
    : '';
  const round = tasks.filter((t) => t.round === task.round);
  return {
    system:
      `## You are working on a goal\nGoal: ${goal.instruction}\nCoordinator: ${nameOf(team, goal.coordinatorId)}.\n` +
      `Your task (${task.position} of ${round.length}): ${task.title}\nWhat to do: ${task.instructions}\nDone when: ${task.doneWhen}${builtOn}\n\n` +
      'Work on your task only; others do theirs at the same time. On long work, tell the thread how it goes with report_progress. ' +
      'Your answer is your result and is posted in the thread: make it complete and self-contained (or hand it in with complete_task).',
    request: `${TASK_LABEL}: ${task.title} — ${task.instructions} (Done when: ${task.doneWhen})`,
  };
}

/** The report run: every task with its outcome, and why the goal stopped if it did. */
export function reportBrief(input: { goal: Goal; tasks: GoalTask[]; team: Teammate[] }): Brief {
  const { goal, tasks, team } = input;
  const lines = tasks.map((t) => {
    const outcome = t.status === 'succeeded' ? clip(t.result ?? '') : `${t.status}${t.error ? ` — ${t.error}` : ''}`;
    return `- ${t.title} (${nameOf(team, t.assigneeId)}): ${outcome.replace(/\s+/g, ' ')}`;
  });
  const outcome = goal.error ? `Stopped early: ${goal.error}` : 'Every task is done.';
  return {
    system:
      '## You coordinate this goal and write its final report\n' +
      'Write for the whole team: what was achieved, the key results (credit who did what), what is missing and the next steps. ' +
      'Markdown, concise. It is posted in the thread and pinned to the pinboard.',
    request: `${REPORT_LABEL}: Goal: ${goal.instruction}\nOutcome: ${outcome}\nResults:\n${lines.join('\n')}`,
  };
}
