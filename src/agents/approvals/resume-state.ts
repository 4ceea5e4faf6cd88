import type { ChatMessage, ToolCall } from '../../models/providers/types.ts';

/**
 * Where a turn parked for a person's approval stands, so a new job can continue it: the model
 * messages of the turn after the prompt (assistant tool calls and tool results so far), the text
 * written, the tool calls still to run (the first is the one waiting), the model-call step that
 * asked for them, the tool positions used before them, and the tokens spent. Stored as JSON on the
 * approval row.
 */
export interface ResumeState {
  messages: ChatMessage[];
  text: string;
  calls: ToolCall[];
  step: number;
  position: number;
  spend: { promptTokens: number; completionTokens: number };
}

/** What a turn hands over when a call waits: the call, its parsed arguments and where to resume. */
export interface ApprovalRequest {
  /** The policy name of the tool (`pinboard_post`, `github.create_issue`). */
  tool: string;
  call: ToolCall;
  arguments: unknown;
  state: ResumeState;
}

/**
 * Thrown by a turn whose next tool call needs a person's approval: the runtime parks the run
 * (WAITING_FOR_APPROVAL, no job held) instead of ending it.
 */
export class AwaitingApproval extends Error {
  override name = 'AwaitingApproval';
  constructor(readonly request: ApprovalRequest) {
    super(`waiting for approval of ${request.tool}`);
  }
}
