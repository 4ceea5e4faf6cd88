import { randomUUID } from 'node:crypto';
import type { ChatMessage, CompletionRequest, ModelProvider, StreamEvent, ToolCall } from './types.ts';

/**
 * The built-in model for installs without an API key, demos and tests: deterministic, answers in
 * the teammate's name, says plainly that it is the offline model, and drives the same tool loop as
 * a real model — "pin …" calls `pinboard_post`, "remember …" calls `remember`, "what do you
 * remember …" calls `recall` — so every feature can be exercised without a network.
 */
export class OfflineProvider implements ModelProvider {
  readonly name = 'offline';

  constructor(private readonly options: { chunkDelayMs?: number } = {}) {}

  async *stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const plan = respond(request);
    const promptTokens = Math.ceil(request.messages.reduce((n, m) => n + (contentOf(m)?.length ?? 0), 0) / 4);
    if (plan.toolCalls.length > 0) {
      yield { type: 'done', toolCalls: plan.toolCalls, finishReason: 'tool_calls', usage: { promptTokens, completionTokens: 8 } };
      return;
    }
    for (const delta of plan.text.match(/\S+\s*/g) ?? [plan.text]) {
      if (signal.aborted) return;
      if (this.options.chunkDelayMs) await new Promise((r) => setTimeout(r, this.options.chunkDelayMs));
      if (signal.aborted) return;
      yield { type: 'text', delta };
    }
    yield { type: 'done', toolCalls: [], finishReason: 'stop', usage: { promptTokens, completionTokens: Math.ceil(plan.text.length / 4) } };
  }
}

function contentOf(message: ChatMessage): string | null {
  return message.content;
}

function call(name: string, args: Record<string, unknown>): ToolCall {
  return { id: `call_${randomUUID().slice(0, 8)}`, name, arguments: JSON.stringify(args) };
}

function respond(request: CompletionRequest): { text: string; toolCalls: ToolCall[] } {
  const name = request.persona?.name ?? 'Your teammate';
  const role = request.persona?.role?.toLowerCase() ?? 'teammate';
  const tools = new Set((request.tools ?? []).map((t) => t.name));
  const last = request.messages.at(-1);
  const offline = `(I'm running on the offline model — no language model is configured on this installation, so my answers are simple.)`;

  // After a tool ran, report its result.
  if (last?.role === 'tool') {
    const assistant = [...request.messages].reverse().find((m) => m.role === 'assistant' && m.toolCalls?.length);
    const used = assistant?.role === 'assistant' ? assistant.toolCalls?.[0]?.name : undefined;
    const verb = used === 'pinboard_post' ? 'Pinned it to the pinboard' : used === 'remember' ? "Noted — I'll remember that" : 'Done';
    return { text: `${verb}. ${summarise(last.content)} ${offline}`, toolCalls: [] };
  }

  const said = [...request.messages].reverse().find((m) => m.role === 'user')?.content.trim() ?? '';
  const pin = /^(?:please\s+)?pin\b[:\s]*(.+)$/is.exec(said);
  if (pin && tools.has('pinboard_post')) {
    const body = pin[1]!.trim();
    return { text: '', toolCalls: [call('pinboard_post', { title: body.split(/[.!?\n]/)[0]!.slice(0, 80), body, priority: 'normal' })] };
  }
  const remember = /^(?:please\s+)?remember\b(?:\s+that)?[:\s]*(.+)$/is.exec(said);
  if (remember && tools.has('remember')) return { text: '', toolCalls: [call('remember', { content: remember[1]!.trim() })] };
  const recall = /what do you remember(?:\s+about)?\s*(.*?)[?.!]*$/i.exec(said);
  if (recall && tools.has('recall')) return { text: '', toolCalls: [call('recall', { query: recall[1]!.trim() })] };

  const quoted = said.length > 200 ? `${said.slice(0, 197)}…` : said;
  return {
    text: `${name} here, your ${role}. ${offline} You wrote: "${quoted}". Try "pin …" to put something on the pinboard or "remember …" to give me a note to keep.`,
    toolCalls: [],
  };
}

function summarise(toolOutput: string): string {
  try {
    const parsed = JSON.parse(toolOutput) as { summary?: string; error?: string };
    if (parsed.error) return `It did not work: ${parsed.error}.`;
    return parsed.summary ?? '';
  } catch {
    return toolOutput.slice(0, 200);
  }
}
