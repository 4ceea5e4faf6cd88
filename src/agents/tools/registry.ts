import type { Run } from '../../repositories/runs.ts';
import type { Teammate } from '../../repositories/teammates.ts';
import { askTeammateTool, MAX_DELEGATION_DEPTH } from './ask-teammate-tool.ts';
import { recallTool, rememberTool } from './memory-tools.ts';
import { threadHistoryTool } from './thread-history-tool.ts';
import { readFileTool, searchFilesTool } from './file-tools.ts';
import { pinboardPostTool, pinboardSearchTool } from './pinboard-tools.ts';
import { completeTaskTool, reportProgressTool } from './goal-tools.ts';
import { BASE_TOOLS, GOAL_TOOLS, type ToolName } from '../../catalog/tool-names.ts';
import { generateImageTool } from './image-tool.ts';
import type { AgentTool } from './types.ts';

/** Every tool the runtime implements, by name. */
export const IMPLEMENTED_TOOLS = new Map<ToolName, AgentTool>(
  (
    [rememberTool, recallTool, threadHistoryTool, askTeammateTool, searchFilesTool, readFileTool, pinboardPostTool, pinboardSearchTool, reportProgressTool, completeTaskTool, generateImageTool] as AgentTool[]
  ).map((t) => [t.name, t]),
);

/**
 * The tools a run may call: the teammate's own plus the ones every teammate has, that this
 * installation implements, and report_progress; no delegation beyond the allowed depth.
 */
export function toolsFor(teammate: Pick<Teammate, 'tools'>, run: Pick<Run, 'depth' | 'kind'>): AgentTool[] {
  if (run.kind === 'report' || run.kind === 'plan') return []; // they write, from what they are given
  const names = new Set<string>([...BASE_TOOLS, ...teammate.tools]);
  if (run.kind === 'task') GOAL_TOOLS.forEach((name) => names.add(name));
  else GOAL_TOOLS.forEach((name) => names.delete(name));
  names.add('report_progress'); // every run may say where it stands
  if (run.depth >= MAX_DELEGATION_DEPTH) names.delete('ask_teammate');
  return [...IMPLEMENTED_TOOLS.values()].filter((tool) => names.has(tool.name));
}
