import type { AppServices } from '../core/context.ts';
import type { JobQueue } from '../core/jobs.ts';
import { addJob, jobCall } from '../repositories/jobs.ts';
import type { TaskDefinition } from './define-task.ts';

/** `AppServices.jobs` over a task list: a name the list lacks is a programming error. */
export function createJobQueue(tasks: readonly TaskDefinition<AppServices>[]): JobQueue {
  const byName = new Map(tasks.map((task) => [task.name, task]));
  const task = (name: string) => {
    const found = byName.get(name);
    if (!found) throw new Error(`no task ${name} in the task list`);
    return found;
  };
  return {
    add: (executor, name, payload, spec) => addJob(executor, task(name), payload, spec),
    call: (name, payload, spec) => jobCall(task(name), payload, spec),
  };
}
