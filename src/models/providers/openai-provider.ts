import OpenAI, { APIError, APIUserAbortError, AzureOpenAI } from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { CompletionStreamReader } from './openai-stream.ts';
import { ProviderError, type CompletionRequest, type ModelProvider, type StreamEvent } from './types.ts';

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Any OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter); default api.openai.com. */
  baseUrl?: string;
  /** Azure OpenAI instead: endpoint, API version and (optionally) a deployment. */
  azure?: { endpoint: string; apiVersion?: string; deployment?: string };
  /** Retries of 408/409/429/5xx and connection errors, with the SDK's exponential backoff. */
  maxRetries?: number;
  /** Per-request timeout in milliseconds (the SDK retries timeouts too). */
  timeoutMs?: number;
}

function toOpenAIMessages(messages: CompletionRequest['messages']): ChatCompletionMessageParam[] {
  return messages.map((m): ChatCompletionMessageParam => {
    switch (m.role) {
      case 'system':
        return { role: 'system', content: m.content };
      case 'user':
        return {
          role: 'user',
          // Images go to vision-capable models as content parts next to the text.
          content: m.images?.length
            ? [{ type: 'text' as const, text: m.content }, ...m.images.map((i) => ({ type: 'image_url' as const, image_url: { url: i.url } }))]
            : m.content,
          ...(m.name ? { name: m.name } : {}),
        };
      case 'assistant':
        return {
          role: 'assistant',
          content: m.content,
          ...(m.toolCalls?.length
            ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })) }
            : {}),
        };
      case 'tool':
        return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    }
  });
}

function readable(error: unknown): ProviderError {
  if (error instanceof APIError) {
    const status = error.status;
    const what =
      status === 429
        ? 'The model service is rate-limiting or out of quota'
        : status !== undefined && status >= 500
          ? 'The model service is unavailable'
          : status === 401 || status === 403
            ? 'The model service refused the API key'
            : status === 404
              ? 'The model was not found at the model service'
              : 'The model service rejected the request';
    return new ProviderError(`${what} (${status ?? 'no status'}): ${error.message}`, status);
  }
  return new ProviderError(`Could not reach the model service: ${(error as Error).message}`);
}

/** A 400/422 naming `stream_options`: the server does not know the option. */
function rejectsStreamOptions(error: unknown): boolean {
  return error instanceof APIError && (error.status === 400 || error.status === 422) && /stream_options/i.test(error.message);
}

/**
 * OpenAI Chat Completions over the official SDK, streaming. Chunks are read by the tolerant
 * `CompletionStreamReader` (dialects of compatible servers); usage is asked for with
 * `stream_options.include_usage`, and asked again without it from a server that rejects the option.
 * Retries and backoff are the SDK's; aborting the signal aborts the HTTP request, so the server stops generating.
 */
export class OpenAIProvider implements ModelProvider {
  readonly name: string;
  private readonly client: OpenAI;
  /** Whether to send `stream_options.include_usage` (turned off when the server rejects it). */
  private askForUsage = true;

  constructor(options: OpenAIProviderOptions) {
    const common = { apiKey: options.apiKey, maxRetries: options.maxRetries ?? 3, timeout: options.timeoutMs ?? 120_000 };
    this.client = options.azure
      ? new AzureOpenAI({ ...common, endpoint: options.azure.endpoint, apiVersion: options.azure.apiVersion ?? '2024-10-21', deployment: options.azure.deployment })
      : new OpenAI({ ...common, baseURL: options.baseUrl });
    this.name = options.azure ? 'azure-openai' : options.baseUrl ? 'openai-compatible' : 'openai';
  }

  async *stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const tools: ChatCompletionTool[] | undefined = request.tools?.length
      ? request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }))
      : undefined;
    let stream;
    try {
      stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages: toOpenAIMessages(request.messages),
          ...(tools ? { tools } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          ...(request.responseFormat
            ? { response_format: { type: 'json_schema' as const, json_schema: { name: request.responseFormat.name, schema: request.responseFormat.schema, strict: true } } }
            : {}),
          stream: true,
          ...(this.askForUsage ? { stream_options: { include_usage: true } } : {}),
        },
        { signal },
      );
    } catch (error) {
      if (error instanceof APIUserAbortError) return;
      if (this.askForUsage && rejectsStreamOptions(error)) {
        this.askForUsage = false; // an older server: ask again without the option
        yield* this.stream(request, signal);
        return;
      }
      throw readable(error);
    }
    const reader = new CompletionStreamReader();
    try {
      for await (const chunk of stream as AsyncIterable<unknown>) {
        const text = reader.read(chunk);
        if (text) yield { type: 'text', delta: text };
      }
    } catch (error) {
      if (error instanceof APIUserAbortError || signal.aborted) return;
      throw readable(error);
    }
    if (signal.aborted) return;
    yield reader.done();
  }
}
