import type { ChatMessage, ToolDefinition } from '../models/providers/types.ts';

type Counter = (text: string) => number;
let counter: Promise<Counter> | undefined;

/** gpt-tokenizer's o200k_base (GPT-4o family) counter, loaded on first use (its tables are large). */
function loadCounter(): Promise<Counter> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => (text: string) => m.countTokens(text));
  return counter;
}

/** Tokens a message adds besides its text (role and separators), as OpenAI's chat format counts them. */
const PER_MESSAGE_OVERHEAD = 3;

/**
 * Estimates the tokens of one model call the provider did not report (the stream was cancelled or
 * broke before its final usage chunk): the prompt (messages and tool definitions) and the text
 * streamed so far, counted with the o200k_base tokenizer. Other models tokenize differently, so
 * the result is marked estimated wherever it is stored.
 */
export async function estimateCallTokens(
  request: { messages: readonly ChatMessage[]; tools?: readonly ToolDefinition[] },
  streamed: string,
): Promise<{ promptTokens: number; completionTokens: number }> {
  const count = await loadCounter();
  let promptTokens = 0;
  for (const message of request.messages) {
    promptTokens += PER_MESSAGE_OVERHEAD + (message.content ? count(message.content) : 0);
    if (message.role === 'assistant') for (const call of message.toolCalls ?? []) promptTokens += count(call.name) + count(call.arguments);
  }
  if (request.tools?.length) promptTokens += count(JSON.stringify(request.tools));
  return { promptTokens, completionTokens: streamed ? count(streamed) : 0 };
}
