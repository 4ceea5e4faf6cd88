import { randomUUID } from 'node:crypto';
import type { StreamEvent, ToolCall } from './types.ts';

type FinishReason = Extract<StreamEvent, { type: 'done' }>['finishReason'];

/**
 * Finish reasons as OpenAI-compatible servers spell them (OpenAI, Azure, Ollama, vLLM, LM Studio,
 * llama.cpp server, OpenRouter), mapped to the four the runtime knows.
 */
const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  eos: 'stop',
  eos_token: 'stop',
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_calls: 'tool_calls',
  tool_call: 'tool_calls',
  function_call: 'tool_calls',
  tool_use: 'tool_calls',
  length: 'length',
  max_tokens: 'length',
  content_filter: 'content_filter',
};

interface PendingCall extends ToolCall {
  /** The position the server gave the call (`index`), when it gave one. */
  index: number | null;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Reads one streamed Chat Completion, chunk by chunk, tolerating what OpenAI-compatible servers
 * really send:
 * * `choices` null, missing or empty (usage-only chunks, keep-alives); several choices (the one
 *   with index 0 is read);
 * * usage on any chunk (the last one that carries it wins; `prompt_tokens`/`completion_tokens`,
 *   or `input_tokens`/`output_tokens`);
 * * a stream that ends without `[DONE]` or without a `finish_reason` (then `tool_calls` when calls
 *   arrived, else `stop`); `finish_reason` spellings of other servers (`eos`, `max_tokens`, …);
 * * tool-call pieces that repeat the name, lack an id (one is made, `call_<uuid>`) or an index
 *   (a piece with a new id starts a call; one with neither continues the last call), arguments
 *   split anywhere, several calls interleaved by index, one index reused with a new id, and the
 *   legacy `function_call` delta.
 *
 * `chunks` are the parsed JSON objects of the SSE `data:` lines. Text is yielded as it arrives;
 * one `done` event closes the stream.
 */
export class CompletionStreamReader {
  private readonly calls: PendingCall[] = [];
  private last: PendingCall | undefined;
  private finish: string | null = null;
  readonly usage = { promptTokens: 0, completionTokens: 0 };
  /** Whether any chunk carried usage. */
  sawUsage = false;

  /** Reads one chunk; returns the text it adds (empty when none). */
  read(chunk: unknown): string {
    if (!isObject(chunk)) return '';
    this.readUsage(chunk.usage);
    const choices = Array.isArray(chunk.choices) ? chunk.choices.filter(isObject) : [];
    const choice = choices.find((c) => c.index === 0 || c.index === undefined || c.index === null) ?? choices[0];
    if (!choice) return '';
    this.readUsage(choice.usage); // a few servers put it on the choice
    if (typeof choice.finish_reason === 'string' && choice.finish_reason) this.finish = choice.finish_reason;
    const delta = isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : {};
    const toolCalls = Array.isArray(delta.tool_calls) ? delta.tool_calls : [];
    for (const piece of toolCalls) if (isObject(piece)) this.readToolCall(piece);
    if (isObject(delta.function_call)) this.readToolCall({ index: 0, function: delta.function_call });
    return typeof delta.content === 'string' ? delta.content : typeof choice.text === 'string' ? choice.text : '';
  }

  /** The closing event, once the stream has ended (with or without `[DONE]`). */
  done(): Extract<StreamEvent, { type: 'done' }> {
    const toolCalls = this.calls
      .filter((c) => c.name)
      .map(({ id, name, arguments: args }) => ({ id: id || `call_${randomUUID()}`, name, arguments: args }));
    const mapped = this.finish ? (FINISH_REASONS[this.finish.toLowerCase()] ?? 'other') : null;
    // Some servers say `stop` after tool calls (Ollama): the calls decide.
    const finishReason: FinishReason = toolCalls.length > 0 && (mapped === null || mapped === 'stop') ? 'tool_calls' : (mapped ?? 'stop');
    return { type: 'done', toolCalls, finishReason, usage: { ...this.usage } };
  }

  private readUsage(usage: unknown): void {
    if (!isObject(usage)) return;
    const prompt = num(usage.prompt_tokens) ?? num(usage.input_tokens);
    const completion = num(usage.completion_tokens) ?? num(usage.output_tokens);
    if (prompt === null && completion === null) return;
    this.sawUsage = true;
    this.usage.promptTokens = prompt ?? this.usage.promptTokens;
    this.usage.completionTokens = completion ?? this.usage.completionTokens;
  }

  private readToolCall(piece: Record<string, any>): void {
    const index = num(piece.index);
    const id = typeof piece.id === 'string' && piece.id ? piece.id : null;
    const fn = isObject(piece.function) ? piece.function : {};
    let call: PendingCall | undefined;
    if (id) call = this.calls.find((c) => c.id === id);
    if (!call && index !== null) {
      const atIndex = this.calls.findLast((c) => c.index === index);
      // One index reused with a different id is a new call (seen from llama.cpp and some proxies).
      if (atIndex && !(id && atIndex.id && atIndex.id !== id)) call = atIndex;
    }
    if (!call && !id && index === null) call = this.last;
    if (!call) {
      call = { id: id ?? '', name: '', arguments: '', index };
      this.calls.push(call);
    }
    if (id && !call.id) call.id = id;
    if (typeof fn.name === 'string' && fn.name) call.name = mergeName(call.name, fn.name);
    const args = fn.arguments;
    if (typeof args === 'string') call.arguments += args;
    else if (isObject(args)) call.arguments += JSON.stringify(args); // Ollama sends an object
    this.last = call;
  }
}

/**
 * A name piece either repeats what came before (servers that send the name on every piece, or the
 * whole name so far) or continues it (a name split in pieces).
 */
function mergeName(current: string, piece: string): string {
  return !current || piece.startsWith(current) ? piece : current + piece;
}
