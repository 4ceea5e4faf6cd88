import type { AuthoredMessage } from '../repositories/messages.ts';
import { recordModelCall } from '../repositories/usage.ts';
import type { ModelServices } from './model-services.ts';
import { collectText } from './providers/collect.ts';
import type { ModelProvider } from './providers/types.ts';

/** A summary is kept under this size; older detail gives way to newer. */
export const MAX_SUMMARY_CHARS = 6_000;

const line = (m: AuthoredMessage, max: number) => {
  const text = m.body.replace(/\s+/g, ' ').trim();
  return `${m.authorName}: ${text.length > max ? `${text.slice(0, max - 1)}…` : text}`;
};

/** The offline model's summary: each message's gist (its first sentence), newest kept when long. */
function extractiveSummary(previous: string | null, messages: readonly AuthoredMessage[]): string {
  const gist = messages.map((m) => line({ ...m, body: m.body.split(/(?<=[.!?])\s/)[0] ?? m.body }, 160));
  const text = [previous, ...gist].filter(Boolean).join('\n');
  return text.length > MAX_SUMMARY_CHARS ? `…${text.slice(text.length - MAX_SUMMARY_CHARS + 1)}` : text;
}

/**
 * Folds older messages into a teammate's running summary of a thread, so a long conversation is
 * summarised rather than silently cut. A real model writes the summary (its tokens are charged);
 * the offline model keeps each message's first sentence.
 */
export async function summarise(
  services: Pick<ModelServices, 'db'>,
  provider: ModelProvider,
  input: {
    model: string;
    orgId: string;
    runId: string;
    teammateId: string;
    previous: string | null;
    messages: readonly AuthoredMessage[];
    signal: AbortSignal;
  },
): Promise<string> {
  if (provider.name === 'offline') return extractiveSummary(input.previous, input.messages);
  const started = Date.now();
  const transcript = input.messages.map((m) => line(m, 2_000)).join('\n');
  const { text, usage } = await collectText(
    provider,
    {
      model: input.model,
      temperature: 0,
      maxTokens: 1_200,
      messages: [
        {
          role: 'system',
          content:
            'You keep the running summary of a team chat for a teammate who will continue the conversation. Merge the earlier summary with the new messages into one summary of at most 400 words: decisions, facts, open questions, commitments with owners and dates, and who said what when it matters. Plain prose or short bullets; no preamble.',
        },
        { role: 'user', content: `Earlier summary:\n${input.previous ?? '(none)'}\n\nNew messages:\n${transcript}` },
      ],
    },
    input.signal,
  );
  await recordModelCall(services.db, {
    orgId: input.orgId,
    kind: 'summary',
    runId: input.runId,
    teammateId: input.teammateId,
    model: input.model,
    ...usage,
    durationMs: Date.now() - started,
  });
  return text.trim().slice(0, MAX_SUMMARY_CHARS);
}
