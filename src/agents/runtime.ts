import type { Database } from '../db/database.ts';
import { topics, type BusEvent } from '../realtime/events.ts';
import { findGoal, tasksOfGoals } from '../repositories/goals.ts';
import { findOrg } from '../repositories/orgs.ts';
import { forceUnlockWorkers } from '../repositories/jobs.ts';
import { findStaleRuns, touchRuns } from '../repositories/run-recovery.ts';
import { findRun, insertRun, type Run } from '../repositories/runs.ts';
import { findTeammate, findTeammatesInOrg, type Teammate } from '../repositories/teammates.ts';
import type { AgentPort, JobInfo } from '../core/agents.ts';
import type { AppServices } from '../core/context.ts';
import { beginRun, endRun, failAbandoned, type RunOutcome, type StartedRun } from '../services/runs.ts';
import { reportBrief, taskBrief, type Brief } from '../models/briefs.ts';
import { closeOrphanedReplies } from '../services/orphaned-replies.ts';
import { runPlan } from './goals/planner.ts';
import { ProviderError, type ModelProvider } from '../models/providers/types.ts';
import { observeRunEnded } from '../observability/metrics.ts';
import { ReplyStream } from './reply-stream.ts';
import type { Message } from '../repositories/messages.ts';
import { partialOutcome, runTurn, TurnAborted } from './turn.ts';
import { AwaitingApproval } from './approvals/resume-state.ts';
import { parkRun } from './approvals/tool-approvals.ts';


interface ActiveRun {
  run: Run;
  controller: AbortController;
  stream: ReplyStream | null;
}

/** Thrown to graphile-worker so the job is retried (the worker is shutting down mid-turn). */
export class WorkerShuttingDown extends Error {
  override name = 'WorkerShuttingDown';
}

/**
 * The agent runtime of one process: the model provider, the runs this process is executing (so a
 * cancel reaches the model call and heartbeats say the process is alive), and — in worker
 * processes — the sweeper that recovers runs whose worker died.
 */
export class AgentRuntime implements AgentPort {
  private readonly active = new Map<string, ActiveRun>();
  private timers: NodeJS.Timeout[] = [];
  private sweeping: Promise<void> | undefined;

  /**
   * `services` is read when first needed: the runtime is itself `services.agents`, so the container
   * (`app.ts`) passes a function returning the finished container.
   */
  constructor(
    private readonly container: () => AppServices,
    readonly provider: ModelProvider,
  ) {}

  private get services(): AppServices {
    return this.container();
  }

  /** Heartbeats for the runs in flight and, with `sweep`, recovery of abandoned ones (processes that run a worker). */
  startBackground(options: { sweep: boolean } = { sweep: true }): void {
    const staleAfter = this.services.config.agents.staleAfterMs;
    const beat = setInterval(() => {
      touchRuns(this.services.db, [...this.active.keys()])
        .then((cancelled) => cancelled.forEach((id) => this.active.get(id)?.controller.abort(new TurnAborted('cancelled'))))
        .catch((error) => this.services.logger.warn({ err: error }, 'run heartbeat failed'));
    }, Math.max(100, Math.floor(staleAfter / 4)));
    beat.unref();
    this.timers.push(beat);
    if (!options.sweep) return;
    const sweep = setInterval(() => void this.sweep(), Math.max(250, Math.floor(staleAfter / 2)));
    sweep.unref();
    this.timers.push(sweep);
    void this.sweep();
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await this.sweeping;
  }

  /** Runs this process is executing right now. */
  get activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Recovers runs whose worker stopped sending heartbeats: a job still locked by the dead worker is
   * unlocked (graphile-worker then retries it and the run resumes with the same reply); a run with
   * no job left (or none with attempts left) is failed with a readable error.
   */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (const { run, job } of await findStaleRuns(this.services.db, this.services.config.agents.staleAfterMs)) {
          if (this.active.has(run.id)) continue;
          if (job?.lockedBy) {
            this.services.logger.warn({ runId: run.id, workerId: job.lockedBy }, 'recovering a run whose worker stopped; its job will be retried');
            await forceUnlockWorkers(this.services.db, [job.lockedBy]);
          } else if (!job || (run.kind !== 'delegation' && job.attempts >= job.maxAttempts)) {
            observeRunEnded(await failAbandoned(this.services, run, 'The worker handling this stopped and it could not be resumed. Please try again.'));
          }
        }
        await closeOrphanedReplies(this.services);
      } catch (error) {
        this.services.logger.warn({ err: error }, 'sweeping abandoned runs failed');
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** The `agents__run_turn` job: starts the run (or resumes it after a crash) and runs the turn. */
  async execute(runId: string, job: JobInfo): Promise<void> {
    const started = await beginRun(this.services, runId, job.workerId);
    if (!started) return; // cancelled before it started, or finished by an earlier attempt
    const onShutdown = () => this.active.get(runId)?.controller.abort(new WorkerShuttingDown('the worker is shutting down'));
    job.abortSignal?.addEventListener('abort', onShutdown);
    try {
      const finalRun = await this.runStarted(started, { lastAttempt: job.attempts >= job.maxAttempts });
      this.services.logger.debug({ runId, status: finalRun?.status }, 'run ended');
    } finally {
      job.abortSignal?.removeEventListener('abort', onShutdown);
    }
  }

  /**
   * `ask_teammate`: a child run of `parent` answered by `teammate`, executed right here (no job:
   * the parent waits for it, and waiting on a queue could deadlock). Its own steps, usage and
   * status are recorded like any run; cancelling the parent cancels it.
   */
  async delegate(input: { parent: Run; teammate: Teammate; question: string; signal: AbortSignal; askedBy: string }): Promise<Run> {
    const { parent } = input;
    const child = await insertRun(this.services.db, {
      orgId: parent.orgId,
      threadId: parent.threadId,
      teammateId: input.teammate.id,
      kind: 'delegation',
      parentRunId: parent.id,
      depth: parent.depth + 1,
      input: input.question,
    });
    const started = await beginRun(this.services, child.id, parent.workerId);
    if (!started) return (await findRun(this.services.db, child.id))!;
    const abort = () => this.active.get(child.id)?.controller.abort(input.signal.reason);
    input.signal.addEventListener('abort', abort);
    try {
      return (await this.runStarted(started, { lastAttempt: true, askedBy: input.askedBy, parentSignal: input.signal })) ?? (await findRun(this.services.db, child.id))!;
    } finally {
      input.signal.removeEventListener('abort', abort);
    }
  }

  private async runStarted(
    started: StartedRun,
    options: { lastAttempt: boolean; askedBy?: string; parentSignal?: AbortSignal },
  ): Promise<Run | undefined> {
    const { run } = started;
    const controller = new AbortController();
    if (options.parentSignal?.aborted) controller.abort(options.parentSignal.reason);
    // The stream shares `started`: a reply it opens after an intermediate message is the one endRun finishes.
    const stream = started.reply ? new ReplyStream(this.services, started as StartedRun & { reply: Message }) : null;
    this.active.set(run.id, { run, controller, stream });
    const unsubscribe = this.services.bus.subscribe(topics.thread(run.threadId), (event) => this.onThreadEvent(event));
    try {
      const { thread } = started;
      // Read with the claim (beginRun); a run started otherwise reads them here.
      const [teammate, org] =
        'teammate' in started
          ? [started.teammate, started.org]
          : await Promise.all([findTeammate(this.services.db, run.orgId, run.teammateId), findOrg(this.services.db, run.orgId)]);
      if (!teammate || !org) return await endRun(this.services, started, failure('The teammate or thread no longer exists.'));
      let outcome: RunOutcome;
      try {
        const signal = controller.signal;
        outcome =
          run.kind === 'plan'
            ? await runPlan(this.services, this.provider, { ...(await planContext(this.services.db, run)), run, coordinator: teammate, thread, org, signal })
            : await runTurn(this.services, this.provider, {
                run,
                teammate,
                thread,
                org,
                stream,
                signal,
                delegatedBy: options.askedBy,
                brief: run.goalId ? await goalBrief(this.services.db, run) : undefined,
              });
      } catch (error) {
        // [tool approval] the turn waits for a person: the run is parked and this job ends (no slot held).
        if (error instanceof AwaitingApproval && !controller.signal.aborted) {
          await stream?.close();
          return await parkRun(this.services, started, error);
        }
        const partial = partialOutcome(error);
        // An abort first: a provider stopped mid-stream says so with a ProviderError of its own.
        if (error instanceof TurnAborted || controller.signal.aborted) {
          if (controller.signal.reason instanceof WorkerShuttingDown) {
            await stream?.close();
            throw controller.signal.reason; // the job is retried; the run resumes elsewhere
          }
          outcome = partial ?? failure('Stopped.', 'cancelled');
        } else if (error instanceof ProviderError) {
          outcome = { ...(partial ?? failure('')), status: 'failed', error: error.message };
        } else if (options.lastAttempt) {
          this.services.logger.error({ err: error, runId: run.id }, 'run failed on its last attempt');
          outcome = { ...(partial ?? failure('')), status: 'failed', error: 'Something went wrong on our side while answering. Please try again.' };
        } else {
          throw error; // graphile-worker retries the job; the run resumes with the same reply
        }
      }
      await stream?.close();
      return observeRunEnded(await endRun(this.services, started, outcome));
    } finally {
      unsubscribe();
      this.active.delete(run.id);
      await stream?.close();
    }
  }

  /** Cancels reach the worker holding the run; resuming subscribers ask it to flush its reply. */
  private onThreadEvent(event: BusEvent): void {
    if (event.kind === 'run' && event.status === 'cancelled') {
      this.active.get(event.runId)?.controller.abort(new TurnAborted('cancelled'));
    } else if (event.kind === 'flush') {
      for (const active of this.active.values()) {
        if (active.stream && active.run.threadId === event.threadId) void active.stream.flush();
      }
    }
  }
}

/** A goal's run works with: the goal, its team (with the coordinator) and its tasks so far. */
async function goalContext(db: Database, run: Run) {
  const goal = (await findGoal(db, run.goalId!))!;
  const [team, tasks] = await Promise.all([
    findTeammatesInOrg(db, run.orgId, [...new Set([...goal.teammateIds, goal.coordinatorId])]),
    tasksOfGoals(db, [goal.id]).then((byGoal) => byGoal.get(goal.id) ?? []),
  ]);
  return { goal, team, tasks };
}

/** What a plan run needs: the goal, its team, and (when re-planning) the tasks of earlier plans. */
async function planContext(db: Database, run: Run) {
  const { goal, team, tasks } = await goalContext(db, run);
  return { goal, team: team.filter((t) => goal.teammateIds.includes(t.id)), earlier: tasks.filter((t) => t.round < goal.round) };
}

/** What a goal's task or report run is told on top of its usual prompt. */
async function goalBrief(db: Database, run: Run): Promise<Brief | undefined> {
  const { goal, team, tasks } = await goalContext(db, run);
  if (run.kind === 'report') return reportBrief({ goal, tasks, team });
  const task = tasks.find((t) => t.id === run.goalTaskId);
  return task ? taskBrief({ goal, task, tasks, team }) : undefined;
}

function failure(error: string, status: RunOutcome['status'] = 'failed'): RunOutcome {
  return { status, text: '', error, model: null, promptTokens: 0, completionTokens: 0 };
}
