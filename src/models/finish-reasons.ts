import type { FinishReason } from '../repositories/messages.ts';
import type { StreamEvent } from './providers/types.ts';

/** The error of a reply the model service's content filter withheld entirely (never shown as an answer). */
export const CONTENT_FILTERED = 'The model service’s content filter withheld this reply.';

/**
 * How a turn stands after one model call: LENGTH when the model hit its token limit (the reply is
 * cut off), CONTENT_FILTER when the service filtered it, TOOL_LIMIT when the turn used every step
 * it may take (the last call ran without tools, so the answer was forced), else STOP.
 */
export function endOfStep(done: Extract<StreamEvent, { type: 'done' }>, at: { lastStep: boolean; step: number }): FinishReason {
  if (done.finishReason === 'length') return 'length';
  if (done.finishReason === 'content_filter') return 'content_filter';
  if (at.lastStep && at.step > 0) return 'tool_limit';
  return 'stop';
}
