import { randomUUID } from 'node:crypto';
import type { ChatMessage, CompletionRequest, ModelProvider, StreamEvent, ToolCall } from './types.ts';
import { REPORT_LABEL, TASK_LABEL } from '../briefs.ts';

/**
 * The built-in model for installs without an API key, demos and tests: deterministic, answers in
 * the teammate's name, says plainly that it is the offline model, and drives the same tool loop as
 * a real model — "pin …" calls `pinboard_post`, "remember …" calls `remember`, "ask Sam …" calls
 * `ask_teammate`, "search the files for …" calls `search_files` and so on — so every feature can be
 * exercised without a network.
 */
export class OfflineProvider implements ModelProvider {
  readonly name = 'offline';

  constructor(private readonly options: { chunkDelayMs?: number } = {}) {}

  async *stream(request: CompletionRequest, signal: AbortSignal): AsyncIterable<StreamEvent> {
    const plan = respond(request);
    const promptTokens = Math.ceil(request.messages.reduce((n, m) => n + (m.content?.length ?? 0), 0) / 4);
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

export const OFFLINE_NOTE = `(I'm running on the offline model — no language model is configured on this installation, so my answers are simple.)`;

function call(name: string, args: Record<string, unknown>): ToolCall {
  return { id: `call_${randomUUID().slice(0, 8)}`, name, arguments: JSON.stringify(args) };
}

/** The text of a transcript line without its speaker label ("[Ada]: pin this" → "pin this"). */
export function spokenText(content: string): string {
  return content.replace(/^\[[^\]\n]{1,80}\]:\s*/, '').trim();
}

const trim = (text: string) => text.trim().replace(/[?.!]+$/, '').trim();

/** Recognised requests, in order: the first that matches (and whose tool the teammate has) wins. */
const INTENTS: Array<{ tool: string; pattern: RegExp; args: (m: RegExpExecArray) => Record<string, unknown> }> = [
  {
    tool: 'pinboard_post',
    pattern: /^(?:please\s+)?pin\b[:\s]*(.+)$/is,
    args: (m) => {
      const body = m[1]!.trim();
      return { title: body.split(/[.!?\n]/)[0]!.slice(0, 80), body, priority: 'normal' };
    },
  },
  {
    tool: 'generate_image',
    pattern: /^(?:please\s+)?(?:draw|paint|sketch|(?:generate|make|create)\s+(?:an?\s+)?(?:image|picture|illustration)s?\s+of)\s+(.+)$/is,
    args: (m) => ({ prompt: m[1]!.trim(), aspect: '1:1', count: 1 }),
  },
  { tool: 'remember', pattern: /^(?:please\s+)?remember\b(?:\s+that)?[:\s]*(.+)$/is, args: (m) => ({ content: m[1]!.trim() }) },
  { tool: 'recall', pattern: /what do you remember(?:\s+about)?\s*(.*)$/is, args: (m) => ({ query: trim(m[1]!) }) },
  {
    tool: 'ask_teammate',
    // "ask Sam: …", "ask @sam to …", "ask Sam what …" (question words stay in the question).
    pattern: /^(?:please\s+)?ask\s+@?([\p{L}\p{N}][\p{L}\p{N}\-' ]{0,39}?)(?:\s*[:,]\s*|\s+(?:to|about|whether|if)\s+|\s+(?=(?:what|how|why|when|who|where|which|whether)\b))(.+)$/isu,
    args: (m) => ({ teammate: m[1]!.trim(), question: m[2]!.trim() }),
  },
  { tool: 'pinboard_search', pattern: /(?:search|check|look at)\s+(?:the\s+)?pinboard(?:\s+(?:for|about))?\s*(.*)$/is, args: (m) => ({ query: trim(m[1]!) || '*' }) },
  {
    tool: 'search_files',
    pattern: /(?:search|look through|check)\s+(?:the\s+|our\s+|my\s+)?files?\s+(?:for|about)\s+(.+)$|find\s+(.+?)\s+in\s+(?:the\s+|our\s+|my\s+)?files?\b/is,
    args: (m) => ({ query: trim(m[1] ?? m[2]!) }),
  },
  { tool: 'read_file', pattern: /^(?:please\s+)?(?:read|open)\s+(?:the\s+)?file\s+["“]?(.+?)["”]?[?.!]*$/is, args: (m) => ({ name: m[1]!.trim() }) },
  {
    tool: 'thread_history',
    pattern: /\b(?:what did (?:we|i|you|they)\s+(?:say|talk about|decide)|earlier (?:in this|messages)|thread history|catch me up)\b(.*)$/is,
    args: () => ({ limit: 20 }),
  },
];

const AFTER_TOOL: Record<string, string> = {
  pinboard_post: 'Pinned it to the pinboard.',
  remember: "Noted — I'll remember that.",
  recall: "Here's what I remember:",
  pinboard_search: 'On the pinboard:',
  search_files: "Here's what I found in the files:",
  read_file: 'From the file:',
  ask_teammate: 'I asked for you.',
  thread_history: 'Earlier in this thread:',
  generate_image: 'Here is what I drew (attached).',
};

function respond(request: CompletionRequest): { text: string; toolCalls: ToolCall[] } {
  const name = request.persona?.name ?? 'Your teammate';
  const role = request.persona?.role?.toLowerCase() ?? 'teammate';
  const tools = new Set((request.tools ?? []).map((t) => t.name));
  const last = request.messages.at(-1);

  // After a tool ran, report its result.
  if (last?.role === 'tool') {
    const assistant = [...request.messages].reverse().find((m): m is Extract<ChatMessage, { role: 'assistant' }> => m.role === 'assistant' && Boolean(m.toolCalls?.length));
    const used = assistant?.toolCalls?.[0]?.name ?? '';
    return { text: [AFTER_TOOL[used] ?? 'Done.', describeResult(last.content), OFFLINE_NOTE].filter(Boolean).join(' '), toolCalls: [] };
  }

  const lastUser = [...request.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  if (lastUser.startsWith(`${REPORT_LABEL}:`)) return { text: report(lastUser.slice(REPORT_LABEL.length + 1)), toolCalls: [] };
  if (lastUser.startsWith(`${TASK_LABEL}:`)) {
    const title = lastUser.slice(TASK_LABEL.length + 1).split(' — ')[0]!.trim();
    return {
      text: `${name} here, your ${role}: my part of the goal, “${title}”, is done as far as I can take it. ${OFFLINE_NOTE} A language model would put the actual work here; this result stands in for it.`,
      toolCalls: [],
    };
  }
  const said = spokenText(lastUser);
  for (const intent of INTENTS) {
    if (!tools.has(intent.tool)) continue;
    const match = intent.pattern.exec(said);
    if (match) return { text: '', toolCalls: [call(intent.tool, intent.args(match))] };
  }

  const quoted = said.length > 200 ? `${said.slice(0, 197)}…` : said;
  const hints = [
    tools.has('pinboard_post') && '"pin …" to put something on the pinboard',
    tools.has('remember') && '"remember …" to give me a note to keep',
    tools.has('ask_teammate') && '"ask <teammate> …" to bring in a colleague',
  ].filter(Boolean);
  return {
    text: `${name} here, your ${role}. ${OFFLINE_NOTE} You wrote: "${quoted}".${hints.length ? ` Try ${hints.join(', or ')}.` : ''}`,
    toolCalls: [],
  };
}

type Found = { name?: string; title?: string; snippet?: string; excerpt?: string };

/** The offline model's final report of a goal: its outcome and each task's result, as given. */
function report(brief: string): string {
  const goal = /Goal: (.*)/.exec(brief)?.[1]?.trim() ?? 'the goal';
  const outcome = /Outcome: (.*)/.exec(brief)?.[1]?.trim() ?? '';
  const results = brief.slice(brief.indexOf('Results:') + 'Results:'.length).trim();
  return `## Report: ${goal}\n\n${outcome}\n\n**Results**\n${results}\n\n${OFFLINE_NOTE}`;
}

/** A tool's JSON result as sentences: its summary, an error, and what it found (files, posts, text). */
function describeResult(toolOutput: string): string {
  let parsed: { summary?: string; error?: string; data?: { files?: Found[]; matches?: Found[]; text?: string; file?: Found } };
  try {
    parsed = JSON.parse(toolOutput) as typeof parsed;
  } catch {
    return toolOutput.slice(0, 400);
  }
  if (parsed.error) return `It did not work: ${parsed.error}`;
  const found = [...(parsed.data?.files ?? []), ...(parsed.data?.matches ?? [])]
    .slice(0, 5)
    .map((f) => `- ${f.name ?? f.title}: ${(f.snippet ?? f.excerpt ?? '').replace(/\s+/g, ' ').slice(0, 300)}`);
  const text = parsed.data?.text ? `"${parsed.data.text.replace(/\s+/g, ' ').slice(0, 600)}"` : '';
  return [parsed.summary ?? '', ...found, text].filter(Boolean).join('\n').slice(0, 2_000);
}
