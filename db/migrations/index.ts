import type { Migration } from 'kysely';
import * as m20261123120000 from './20261123120000_foundation.ts';
import * as m20261123130000 from './20261123130000_identity.ts';
import * as m20261123140000 from './20261123140000_teammates.ts';
import * as m20261123150000 from './20261123150000_threads.ts';
import * as m20261124100000 from './20261124100000_agent_turns.ts';
import * as m20261124110000 from './20261124110000_pinboard.ts';
import * as m20261124120000 from './20261124120000_files.ts';
import * as m20261124130000 from './20261124130000_goals.ts';
import * as m20261124140000 from './20261124140000_thread_sessions.ts';
import * as m20261201100000 from './20261201100000_edges.ts';
import * as m20261201101000 from './20261201101000_rate_limits.ts';
import * as m20261201102000 from './20261201102000_tool_approvals_mcp.ts';
import * as m20261201160000 from './20261201160000_billing.ts';
import * as m20261201170000 from './20261201170000_teammate_settings.ts';
import * as m20261201171000 from './20261201171000_run_progress.ts';
import * as m20261201172000 from './20261201172000_pinboard_sources.ts';
import * as m20261201173000 from './20261201173000_push_targets.ts';
import * as m20261201174000 from './20261201174000_notifications.ts';
import * as m20261201180000 from './20261201180000_flat_cost_indexes.ts';

/**
 * Every migration, by name, in order. Imported statically (not discovered with a dynamic import)
 * so it works under any loader; a test fails when a file in this folder is missing here.
 */
export const migrations: Record<string, Migration> = {
  '20261123120000_foundation': m20261123120000,
  '20261123130000_identity': m20261123130000,
  '20261123140000_teammates': m20261123140000,
  '20261123150000_threads': m20261123150000,
  '20261124100000_agent_turns': m20261124100000,
  '20261124110000_pinboard': m20261124110000,
  '20261124120000_files': m20261124120000,
  '20261124130000_goals': m20261124130000,
  '20261124140000_thread_sessions': m20261124140000,
  '20261201100000_edges': m20261201100000,
  '20261201101000_rate_limits': m20261201101000,
  '20261201102000_tool_approvals_mcp': m20261201102000,
  '20261201160000_billing': m20261201160000,
  '20261201170000_teammate_settings': m20261201170000,
  '20261201171000_run_progress': m20261201171000,
  '20261201172000_pinboard_sources': m20261201172000,
  '20261201173000_push_targets': m20261201173000,
  '20261201174000_notifications': m20261201174000,
  '20261201180000_flat_cost_indexes': m20261201180000,
};
