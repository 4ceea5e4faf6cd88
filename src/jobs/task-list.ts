import type { AppServices } from '../core/context.ts';
import type { TaskDefinition } from './define-task.ts';
import { runTurnTask } from './tasks/agents__run_turn.ts';
import { expireUploadTask } from './tasks/files__expire_upload.ts';
import { ingestFileTask } from './tasks/files__ingest.ts';
import { purgeFileTask } from './tasks/files__purge.ts';
import { advanceGoalTask } from './tasks/goals__advance.ts';
import { sendNotificationsTask } from './tasks/notifications__send.ts';
import { tickSchedulesTask } from './tasks/schedules__tick.ts';
import { expireApprovalTask } from './tasks/tool_approvals__expire.ts';

/**
 * Every task the worker runs, one file each in `tasks/` (`<domain>__<verb>.ts`: payload schema,
 * job defaults and handler together). This list only collects them.
 */
export const tasks: readonly TaskDefinition<AppServices>[] = [
  runTurnTask as TaskDefinition<AppServices>,
  advanceGoalTask as TaskDefinition<AppServices>,
  tickSchedulesTask as TaskDefinition<AppServices>,
  expireApprovalTask as TaskDefinition<AppServices>,
  ingestFileTask as TaskDefinition<AppServices>,
  expireUploadTask as TaskDefinition<AppServices>,
  purgeFileTask as TaskDefinition<AppServices>,
  sendNotificationsTask as TaskDefinition<AppServices>,
];
