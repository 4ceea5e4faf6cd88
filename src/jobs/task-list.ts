import type { AppServices } from '../server/context.ts';
import type { TaskDefinition } from './define-task.ts';

/**
 * Every task the worker runs. Each domain adds its tasks here as it gains background work
 * (agent turns, file ingestion, goals); names follow `<domain>__<verb>`.
 */
export const tasks: readonly TaskDefinition<AppServices>[] = [];
