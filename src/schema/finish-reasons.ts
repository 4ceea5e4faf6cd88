import { builder } from './builder.ts';
import { MessageRef } from './messages.ts';

export const FinishReasonEnum = builder.enumType('FinishReason', {
  description: 'How a teammate reply ended (the model’s finish reason, or what Tmates itself ended).',
  values: {
    STOP: { value: 'stop', description: 'The teammate finished what it had to say.' },
    LENGTH: { value: 'length', description: 'Cut off at the model’s length limit: the text ends mid-way. Send "continue" for the rest.' },
    CONTENT_FILTER: { value: 'content_filter', description: 'The model service’s content filter stopped or withheld it (an empty one is FAILED, with `error`).' },
    TOOL_LIMIT: { value: 'tool_limit', description: 'The turn used every step it may take with tools (AGENT_MAX_STEPS); its last answer was given without them.' },
    CANCELLED: { value: 'cancelled', description: 'Stopped on request; the text is what was written until then.' },
    ERROR: { value: 'error', description: 'Failed; see `error`.' },
  } as const,
});

builder.objectFields(MessageRef, (t) => ({
  finishReason: t.field({
    type: FinishReasonEnum,
    nullable: true,
    description: 'How a teammate reply ended; set in the same change that gives it its final status. Null for other messages and while streaming.',
    resolve: (m) => m.finishReason,
  }),
}));
