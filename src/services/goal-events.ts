import { GraphQLError } from 'graphql';
import { AsyncQueue } from '../realtime/async-queue.ts';
import { topics, type BusEvent, type GoalChange } from '../realtime/events.ts';
import { findVisibleGoals, tasksOfGoals, type Goal, type GoalTask } from '../repositories/goals.ts';
import { findThreadsOfMember, type Thread } from '../repositories/threads.ts';
import type { AppServices } from '../core/context.ts';
import type { Viewer } from '../core/viewer.ts';

/** What a `goalEvents` / `viewerEvents` subscriber receives when a goal moves (before GraphQL shapes it). */
export interface GoalEventPayload {
  type: 'goal';
  change: GoalChange;
  /** The goal as it is now. */
  goal: Goal;
  /** The task that moved (change TASK). */
  task: GoalTask | null;
  thread: Thread;
}

type GoalBusEvent = Extract<BusEvent, { kind: 'goal' }>;

const FINAL: Goal['status'][] = ['succeeded', 'failed', 'cancelled'];

/** The payload of a goal event for one subscriber: only for people in the goal's thread. */
export async function goalEventFor(services: Pick<AppServices, 'db'>, viewer: Viewer, event: GoalBusEvent): Promise<GoalEventPayload | undefined> {
  if (event.orgId !== viewer.org.id) return undefined;
  const [[goal], [thread]] = await Promise.all([
    findVisibleGoals(services.db, viewer.org.id, viewer.user.id, [event.goalId]),
    findThreadsOfMember(services.db, viewer.org.id, viewer.user.id, [event.threadId]),
  ]);
  if (!goal || !thread) return undefined;
  const task = event.taskId ? ((await tasksOfGoals(services.db, [goal.id])).get(goal.id) ?? []).find((t) => t.id === event.taskId) : undefined;
  return { type: 'goal', change: event.change, goal, task: task ?? null, thread };
}

export const goalNotFound = () => new GraphQLError('Goal not found', { extensions: { code: 'NOT_FOUND' } });

/**
 * `goalEvents(goalId)`: every move of one goal, live — planned, each task queued, started, done or
 * failed, progress notes, status changes — ending after it succeeds, fails or is cancelled. Query
 * `goal(id)` first for where it stands. Stops with an error when the subscriber leaves the thread.
 */
export async function subscribeGoalEvents(services: AppServices, viewer: Viewer, goalId: string): Promise<AsyncQueue<GoalEventPayload>> {
  const [goal] = await findVisibleGoals(services.db, viewer.org.id, viewer.user.id, [goalId]);
  if (!goal) throw goalNotFound();
  const unsubscribers: Array<() => void> = [];
  const queue = new AsyncQueue<GoalEventPayload>(() => unsubscribers.forEach((u) => u()));
  let chain: Promise<void> = Promise.resolve();
  const gone = () => new GraphQLError('You are no longer a member of this thread', { extensions: { code: 'FORBIDDEN' } });

  async function handle(event: BusEvent): Promise<void> {
    if (queue.closed) return;
    if (event.kind === 'org_member_removed' && event.userId === viewer.user.id) return queue.end(gone());
    if (event.kind === 'thread' && event.threadId === goal!.threadId) {
      const [still] = await findThreadsOfMember(services.db, viewer.org.id, viewer.user.id, [goal!.threadId]);
      if (!still) queue.end(gone());
      return;
    }
    if (event.kind !== 'goal' || event.goalId !== goalId) return;
    const payload = await goalEventFor(services, viewer, event);
    if (!payload) return queue.end(gone());
    const final = FINAL.includes(payload.goal.status);
    if (event === first && !final) return; // still going: live events follow
    queue.push(payload);
    if (event.change === 'status' && final) queue.end();
  }

  const first: BusEvent = { kind: 'goal', orgId: goal.orgId, threadId: goal.threadId, goalId, change: 'status' };
  const enqueue = (event: BusEvent) => {
    chain = chain.then(() => handle(event)).catch((error) => queue.end(error));
  };
  unsubscribers.push(services.bus.subscribe(topics.thread(goal.threadId), enqueue));
  unsubscribers.push(services.bus.subscribe(topics.org(goal.orgId), (event) => event.kind === 'org_member_removed' && enqueue(event)));
  // It may have ended before the subscription started listening: then say so and end.
  enqueue(first);
  return queue;
}
