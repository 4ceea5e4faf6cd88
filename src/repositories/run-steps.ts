import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { RunSteps } from '../db/schema.ts';

export type StepStatus = 'running' | 'succeeded' | 'failed';

/** One tool call of a run, with what went in and what came out. */
export interface RunStep {
  id: string;
  runId: string;
  attempt: number;
  position: number;
  toolName: string;
  toolCallId: string | null;
  input: unknown;
  output: unknown;
  error: string | null;
  status: StepStatus;
  childRunId: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

const stepColumns = [
  'id', 'run_id', 'attempt', 'position', 'tool_name', 'tool_call_id', 'input', 'output', 'error', 'status', 'child_run_id',
  'started_at', 'finished_at',
] as const;

function toStep(row: Pick<Selectable<RunSteps>, (typeof stepColumns)[number]>): RunStep {
  return {
    id: row.id,
    runId: row.run_id,
    attempt: row.attempt,
    position: row.position,
    toolName: row.tool_name,
    toolCallId: row.tool_call_id,
    input: row.input,
    output: row.output,
    error: row.error,
    status: row.status as StepStatus,
    childRunId: row.child_run_id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export async function insertStep(
  db: Executor,
  values: { orgId: string; runId: string; attempt: number; position: number; toolName: string; toolCallId: string | null; input: unknown },
): Promise<RunStep> {
  const row = await db
    .insertInto('run_steps')
    .values({
      org_id: values.orgId,
      run_id: values.runId,
      attempt: values.attempt,
      position: values.position,
      tool_name: values.toolName,
      tool_call_id: values.toolCallId,
      input: JSON.stringify(values.input ?? {}),
    })
    .returning(stepColumns)
    .executeTakeFirstOrThrow();
  return toStep(row);
}

export async function finishStep(
  db: Executor,
  id: string,
  values: { status: 'succeeded' | 'failed'; output?: unknown; error?: string | null; childRunId?: string | null },
): Promise<void> {
  await db
    .updateTable('run_steps')
    .set({
      status: values.status,
      output: values.output === undefined ? null : JSON.stringify(values.output),
      error: values.error ?? null,
      child_run_id: values.childRunId ?? null,
      finished_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

/** Steps of the latest attempt of each run, in order. */
export async function stepsOfRuns(db: Executor, runIds: readonly string[]): Promise<Map<string, RunStep[]>> {
  const byRun = new Map<string, RunStep[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return byRun;
  const rows = await db
    .selectFrom('run_steps')
    .innerJoin('runs', 'runs.id', 'run_steps.run_id')
    .select(stepColumns.map((c) => `run_steps.${c}` as const))
    .where('run_steps.run_id', 'in', [...runIds])
    .whereRef('run_steps.attempt', '=', 'runs.attempt')
    .orderBy('run_steps.position')
    .execute();
  for (const r of rows) byRun.get(r.run_id)?.push(toStep(r));
  return byRun;
}
