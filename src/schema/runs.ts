import { stepsOfRuns, type RunStep } from '../repositories/run-steps.ts';
import { childRunsOf } from '../repositories/run-lists.ts';
import { findVisibleRuns, type Run } from '../repositories/runs.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { TeammateRef } from './teammates.ts';
import { ThreadRef } from './threads.ts';

export const RunStatusEnum = builder.enumType('RunStatus', {
  description: 'Where a teammate\'s piece of work stands ("typing" is RUNNING).',
  values: {
    QUEUED: { value: 'queued', description: 'Waiting for a worker (or for the teammate to finish its previous turn).' },
    RUNNING: { value: 'running', description: 'Working on it.' },
    WAITING_FOR_APPROVAL: { value: 'waiting_for_approval', description: 'Parked until a person approves or rejects a tool call (see `ToolApproval`); holds no worker.' },
    SUCCEEDED: { value: 'succeeded', description: 'Done.' },
    FAILED: { value: 'failed', description: 'Gave up; see `error`.' },
    CANCELLED: { value: 'cancelled', description: 'Stopped on request.' },
  } as const,
});

export const RunKindEnum = builder.enumType('RunKind', {
  description: 'What a run answers.',
  values: {
    REPLY: { value: 'reply', description: 'A message in the thread; the teammate answers with a message there.' },
    DELEGATION: { value: 'delegation', description: 'A question from another teammate (`ask_teammate`); the answer goes back to that teammate.' },
    PLAN: { value: 'plan', description: 'A goal’s coordinator planning its tasks.' },
    TASK: { value: 'task', description: 'A teammate working on a goal’s task; the result is posted in the thread.' },
    REPORT: { value: 'report', description: 'A goal’s coordinator writing the final report.' },
  } as const,
});

export const RunStepStatusEnum = builder.enumType('RunStepStatus', {
  description: 'Where a tool call stands.',
  values: {
    RUNNING: { value: 'running', description: 'The tool is working.' },
    SUCCEEDED: { value: 'succeeded', description: 'The tool returned a result.' },
    FAILED: { value: 'failed', description: 'The tool refused or failed; `error` says why (the teammate was told).' },
  } as const,
});

const stepsOf = batched<RunStep[]>((ctx, ids) => stepsOfRuns(ctx.db, ids), []);
const childrenOf = batched<Run[]>((ctx, ids) => childRunsOf(ctx.db, ids), []);

export const RunRef = builder.loadableNode('Run', {
  description: 'One teammate working on one trigger: a message in a thread, or a question from another teammate.',
  id: { resolve: (r: Run) => r.id },
  sort: (r) => r.id,
  load: (ids: string[], ctx) =>
    ctx.viewer ? findVisibleRuns(ctx.db, ctx.viewer.org.id, ctx.viewer.user.id, ids) : Promise.resolve([]),
  fields: (t) => ({
    kind: t.field({ type: RunKindEnum, description: 'A reply in the thread or an answer to a teammate.', resolve: (r) => r.kind }),
    status: t.field({ type: RunStatusEnum, description: 'Where it stands.', resolve: (r) => r.status }),
    thread: t.field({ type: ThreadRef, description: 'Where it works.', resolve: (r) => r.threadId }),
    teammate: t.field({ type: TeammateRef, description: 'Who works.', resolve: (r) => r.teammateId }),
    input: t.exposeString('input', { nullable: true, description: 'The question it answers (delegated runs).' }),
    output: t.exposeString('output', { nullable: true, description: 'The final answer, once it has one.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed, readable.' }),
    model: t.exposeString('model', { nullable: true, description: 'Model used.' }),
    attempt: t.exposeInt('attempt', { description: 'Attempts so far (a run resumes after a worker crash).' }),
    promptTokens: t.exposeInt('promptTokens', { description: 'Prompt tokens spent.' }),
    completionTokens: t.exposeInt('completionTokens', { description: 'Completion tokens spent.' }),
    tokensEstimated: t.exposeBoolean('tokensEstimated', {
      description: 'Some of the tokens were counted from the text with a tokenizer because the provider reported none (a reply cancelled or failed mid-stream).',
    }),
    totalTokens: t.int({ description: 'Prompt and completion tokens together.', resolve: (r) => r.promptTokens + r.completionTokens }),
    durationMs: t.exposeInt('durationMs', { nullable: true, description: 'From start to end, in milliseconds.' }),
    throughSeq: t.exposeInt('throughSeq', { nullable: true, description: 'Seq of the newest thread message the run read.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When work started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was queued.' }),
    viewerCanCancel: t.boolean({ description: 'It can still be cancelled (queued, running or waiting for approval).', resolve: (r) => r.status === 'queued' || r.status === 'running' || r.status === 'waiting_for_approval' }),
  }),
});

export const RunStepRef = builder.objectRef<RunStep>('RunStep').implement({
  description: 'One tool call a teammate made during a run, for transparency.',
  fields: (t) => ({
    position: t.exposeInt('position', { description: '1, 2, 3… within the attempt.' }),
    toolName: t.exposeString('toolName', { description: 'The tool, e.g. `remember`.' }),
    input: t.expose('input', { type: 'JSON', description: 'Arguments the model passed.' }),
    output: t.expose('output', { type: 'JSON', nullable: true, description: 'What the tool returned (`summary`, `data`).' }),
    error: t.exposeString('error', { nullable: true, description: 'Why it failed, as told to the teammate.' }),
    status: t.field({ type: RunStepStatusEnum, description: 'Running, succeeded or failed.', resolve: (s) => s.status }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When the call started.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When it ended.' }),
  }),
});

// Fields that refer back to Run are added once the type exists.
builder.objectFields(RunRef, (t) => ({
  parentRun: t.field({ type: RunRef, nullable: true, description: 'The run that asked this one (delegated runs).', resolve: (r) => r.parentRunId }),
  childRuns: t.field({ type: [RunRef], description: 'Runs this one asked (`ask_teammate`), oldest first.', resolve: (r, _a, ctx) => childrenOf(ctx, r.id) }),
  steps: t.field({
    type: [RunStepRef],
    description: 'Tool calls of its latest attempt, in order, with input and output.',
    resolve: (r, _a, ctx) => stepsOf(ctx, r.id),
  }),
}));
builder.objectField(RunStepRef, 'childRun', (t) =>
  t.field({ type: RunRef, nullable: true, description: 'The run it started (`ask_teammate`).', resolve: (s) => s.childRunId }),
);
