/**
 * What the agent runtime asks of a model, independent of who serves it (OpenAI, an
 * OpenAI-compatible server, Azure, or the built-in offline model).
 */
export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string; name?: string; images?: Array<{ url: string }> }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, as the model wrote it (validated by the tool, not here). */
  arguments: string;
}

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface CompletionRequest {
  model: string;
  /** Who is speaking; remote models read it from the system prompt, the offline model uses it directly. */
  persona?: { name: string; role: string };
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  temperature?: number;
  maxTokens?: number;
  /** Ask for JSON matching this schema (structured output) instead of free text. */
  responseFormat?: { name: string; schema: Record<string, unknown> };
}

/** A streamed completion, in order: text deltas, then at most one `done` with tool calls and usage. */
export type StreamEvent =
  | { type: 'text'; delta: string }
  | {
      type: 'done';
      toolCalls: ToolCall[];
      finishReason: 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'other';
      usage: { promptTokens: number; completionTokens: number };
    };

export interface ModelProvider {
  readonly name: string;
  /** Streams one completion; aborting `signal` must stop the request (and the spending). */
  stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent>;
}

/** A provider failure a person can read ("The model service is overloaded; tried 3 times"). */
export class ProviderError extends Error {
  override name = 'ProviderError';
  constructor(
    message: string,
    /** HTTP status from the provider, when there was one. */
    readonly status?: number,
  ) {
    super(message);
  }
}
