import { z } from 'zod';
import type { Goal, GoalTask } from '../../repositories/goals.ts';
import type { Org } from '../../repositories/orgs.ts';
import type { Run } from '../../repositories/runs.ts';
import type { Teammate } from '../../repositories/teammates.ts';
import type { Thread } from '../../repositories/threads.ts';
import type { AppServices } from '../../core/context.ts';
import type { RunOutcome } from '../../services/runs.ts';
import { readOrgSettings } from '../../services/settings.ts';
import { buildPrompt } from '../prompt.ts';
import { collectText } from '../../models/providers/collect.ts';
import { modelFor } from '../../models/providers/create-provider.ts';
import { ProviderError, type ChatMessage, type ModelProvider } from '../../models/providers/types.ts';
import { bestFitByRole } from '../../models/routing.ts';
import { MAX_TASKS, type Plan } from '../../models/plan.ts';

/** What the model answers: tasks with assignees by handle and dependencies by task number. */
const modelPlan = z.object({
  summary: z.string().max(2000).default(''),
  tasks: z
    .array(
      z.object({
        title: z.string().trim().min(1).max(200),
        assignee: z.string().trim().min(1).max(60),
        instructions: z.string().trim().max(4000).default(''),
        done_when: z.string().trim().max(1000).default(''),
        depends_on: z.array(z.number().int()).default([]),
      }),
    )
    .max(MAX_TASKS),
});

export interface PlanInput {
  run: Run;
  goal: Goal;
  coordinator: Teammate;
  team: Teammate[];
  thread: Thread;
  org: Org;
  /** Tasks of earlier rounds, when re-planning after a failure. */
  earlier: GoalTask[];
  signal: AbortSignal;
}

const handleOf = (t: Teammate) => t.key;

/** Checks a model's plan against the team and turns it into the stored form; a readable reason when it does not hold. */
export function validatePlan(raw: unknown, team: Teammate[], replanning: boolean): Plan | string {
  const parsed = modelPlan.safeParse(raw);
  if (!parsed.success) return `the plan does not match the format: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  const tasks: Plan['tasks'] = [];
  for (const [index, task] of parsed.data.tasks.entries()) {
    const wanted = task.assignee.replace(/^@/, '').toLowerCase();
    const assignee = team.find((t) => handleOf(t) === wanted || t.name.toLowerCase() === wanted);
    if (!assignee) return `task ${index + 1} is assigned to "${task.assignee}", who is not on this goal's team (${team.map(handleOf).join(', ')})`;
    const bad = task.depends_on.find((d) => d < 1 || d > index);
    if (bad !== undefined) return `task ${index + 1} depends on task ${bad}; a task may only depend on tasks listed before it`;
    tasks.push({
      title: task.title,
      assigneeId: assignee.id,
      instructions: task.instructions || task.title,
      doneWhen: task.done_when || 'A clear written result is posted in the thread.',
      dependsOn: [...new Set(task.depends_on)],
    });
  }
  if (tasks.length === 0 && !replanning) return 'the plan has no tasks';
  return { summary: parsed.data.summary, tasks };
}

/**
 * The offline model's plan: one task per teammate the instruction names, else one for the
 * teammate best suited by role, else one for the coordinator. When re-planning, the failed tasks
 * go to the coordinator, once.
 */
export function offlinePlan(input: Pick<PlanInput, 'goal' | 'coordinator' | 'team' | 'earlier'>): Plan {
  const { goal, coordinator, team } = input;
  if (input.earlier.length > 0) {
    const failed = input.earlier.filter((t) => t.round === goal.round - 1 && t.status !== 'succeeded');
    return {
      summary: `Re-planned: ${coordinator.name} takes over what did not get done.`,
      tasks: failed.map((t) => ({ title: t.title, assigneeId: coordinator.id, instructions: t.instructions, doneWhen: t.doneWhen, dependsOn: [] })),
    };
  }
  const text = goal.instruction.toLowerCase();
  const named = team
    .map((t) => ({ t, at: Math.min(...[t.name.toLowerCase(), t.key].map((n) => text.search(new RegExp(`(^|[^\\p{L}])@?${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'u'))).filter((i) => i >= 0)) }))
    .filter((x) => Number.isFinite(x.at))
    .sort((a, b) => a.at - b.at)
    .map((x) => x.t);
  const assignees = named.length ? named.slice(0, MAX_TASKS) : [bestFitByRole(goal.instruction, team) ?? coordinator];
  const brief = goal.instruction.length > 80 ? `${goal.instruction.slice(0, 79)}…` : goal.instruction;
  return {
    summary: `${assignees.map((a) => a.name).join(', ')} will work on it; ${coordinator.name} reports back.`,
    tasks: assignees.map((a) => ({
      title: `${a.role}: ${brief}`,
      assigneeId: a.id,
      instructions: goal.instruction,
      doneWhen: `${a.name} has posted a written result for their part in the thread.`,
      dependsOn: [],
    })),
  };
}

function planRequest(input: PlanInput, previousError?: string): ChatMessage {
  const roster = input.team.map((t) => `- ${handleOf(t)}: ${t.name}, ${t.role}${t.description ? ` — ${t.description}` : ''}`).join('\n');
  const earlier = input.earlier.length
    ? `\n\nEarlier tasks and how they went:\n${input.earlier
        .map((t) => `- ${t.title} (${input.team.find((m) => m.id === t.assigneeId)?.name ?? 'someone'}): ${t.status}${t.error ? ` — ${t.error}` : ''}${t.result ? ` — result: ${t.result.slice(0, 500)}` : ''}`)
        .join('\n')}\n\nSome tasks failed. Make a new plan for what is still missing (finished work stays done), or answer with no tasks if the goal cannot be reached.`
    : '';
  const deadline = input.goal.deadline ? `\nDeadline: ${input.goal.deadline.toISOString()}.` : '';
  return {
    role: 'user',
    content:
      `[Tmates]: You coordinate this goal. Plan it as a short list of tasks (at most ${MAX_TASKS}; fewer is better), ` +
      `each for one teammate of the team below, with what "done" means and which earlier tasks (by number) it needs. ` +
      `Independent tasks run at the same time. Answer with JSON only: {"summary": "...", "tasks": [{"title": "...", "assignee": "<handle>", "instructions": "...", "done_when": "...", "depends_on": [1]}]}.\n\n` +
      `Goal: ${input.goal.instruction}${deadline}\n\nTeam (handle: name, role):\n${roster}${earlier}` +
      (previousError ? `\n\nYour previous answer could not be used: ${previousError}. Try again.` : ''),
  };
}

function planFormat(team: Teammate[]) {
  return {
    name: 'goal_plan',
    schema: {
      type: 'object',
      properties: {
        summary: { type: 'string' },
        tasks: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              title: { type: 'string' },
              assignee: { type: 'string', enum: team.map(handleOf) },
              instructions: { type: 'string' },
              done_when: { type: 'string' },
              depends_on: { type: 'array', items: { type: 'integer' } },
            },
            required: ['title', 'assignee', 'instructions', 'done_when', 'depends_on'],
            additionalProperties: false,
          },
        },
      },
      required: ['summary', 'tasks'],
      additionalProperties: false,
    },
  };
}

/**
 * A plan run: the coordinator plans the goal with structured output (the persona, memory and the
 * thread as context), checked against the team; a plan that does not hold is sent back once with
 * the reason. The offline model plans deterministically. The outcome's text is the plan as JSON.
 */
export async function runPlan(services: AppServices, provider: ModelProvider, input: PlanInput): Promise<RunOutcome> {
  const model = modelFor(provider, services.config, input.coordinator, readOrgSettings(input.org.settings).defaultModel);
  const spend = { promptTokens: 0, completionTokens: 0 };
  const done = (plan: Plan): RunOutcome => ({ status: 'succeeded', text: JSON.stringify(plan), model, ...spend });
  const replanning = input.earlier.length > 0;
  if (provider.name === 'offline') return done(offlinePlan(input));

  const prompt = await buildPrompt(services, provider, {
    run: input.run,
    teammate: input.coordinator,
    thread: input.thread,
    org: input.org,
    model,
    signal: input.signal,
  });
  let reason: string | undefined;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const { text, usage } = await collectText(
      provider,
      { model, temperature: 0.2, messages: [...prompt.messages, planRequest(input, reason)], responseFormat: planFormat(input.team) },
      input.signal,
    );
    spend.promptTokens += usage.promptTokens;
    spend.completionTokens += usage.completionTokens;
    let raw: unknown;
    try {
      raw = JSON.parse(text.trim().replace(/^```(?:json)?\s*|\s*```$/g, ''));
    } catch {
      reason = 'it was not valid JSON';
      continue;
    }
    const plan = validatePlan(raw, input.team, replanning);
    if (typeof plan !== 'string') return done(plan);
    reason = plan;
  }
  if (replanning) throw new ProviderError(`The coordinator could not make a usable plan: ${reason}`);
  services.logger.warn({ runId: input.run.id, reason }, 'the model’s plan could not be used twice; planning deterministically');
  return done(offlinePlan(input));
}
