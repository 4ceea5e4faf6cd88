/**
 * The tools a teammate can be given, by name (function-calling names sent to the model). Each is
 * implemented by the agent runtime; a teammate's `tools` must be a subset of these.
 */
export const TOOLS = {
  remember: 'Save a long-term note in the teammate’s own memory.',
  recall: 'Search the teammate’s memory notes.',
  thread_history: 'Read earlier messages of the current thread.',
  pinboard_post: 'Pin a post (title, markdown body, priority) to the team’s pinboard.',
  pinboard_search: 'Search the team’s pinboard.',
  search_files: 'Full-text search over the organisation’s uploaded files.',
  read_file: 'Read the extracted text of one file.',
  ask_teammate: 'Ask another teammate a question and get their answer back.',
  report_progress: 'While working (any run): report a stage, a percentage and a status line to the thread.',
  complete_task: 'While working on a goal task: hand in the result.',
  generate_image: 'Generate images from a prompt; they are saved as files and attached to the reply.',
} as const;

export type ToolName = keyof typeof TOOLS;
export const TOOL_NAMES = Object.keys(TOOLS) as ToolName[];

/** Tools every teammate has, whatever its manifest says (goal tools are added by goal runs). */
export const BASE_TOOLS: ToolName[] = ['remember', 'recall', 'thread_history'];

/** Tools a teammate has while working on a goal's task (and only then). */
export const GOAL_TOOLS: ToolName[] = ['report_progress', 'complete_task'];
