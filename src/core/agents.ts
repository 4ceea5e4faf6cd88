import type { ModelProvider } from '../models/providers/types.ts';
import type { Run } from '../repositories/runs.ts';
import type { Teammate } from '../repositories/teammates.ts';

/** The graphile-worker job executing a run, when there is one (delegated runs run inside their parent's). */
export interface JobInfo {
  workerId: string | null;
  attempts: number;
  maxAttempts: number;
  /** Fires when the worker is shutting down: the turn stops and its job is retried elsewhere. */
  abortSignal?: AbortSignal;
}

/**
 * What the rest of the process may ask of the agent runtime (`agents/runtime.ts` implements it):
 * the model provider, running a run's turn, and a delegated question to another teammate.
 */
export interface AgentPort {
  readonly provider: ModelProvider;
  /** Runs (or resumes) one run to its end; throws to have its job retried. */
  execute(runId: string, job: JobInfo): Promise<void>;
  /** Asks `teammate` a question inside `parent`'s turn; resolves with the finished delegation run. */
  delegate(input: { parent: Run; teammate: Teammate; question: string; signal: AbortSignal; askedBy: string }): Promise<Run>;
}
