import { ProviderError, type CompletionRequest, type ModelProvider } from './types.ts';

/** Runs one completion to the end and returns its text and usage (for non-streamed uses: routing, summaries, plans). */
export async function collectText(
  provider: ModelProvider,
  request: CompletionRequest,
  signal: AbortSignal,
): Promise<{ text: string; usage: { promptTokens: number; completionTokens: number } }> {
  let text = '';
  for await (const event of provider.stream(request, signal)) {
    if (event.type === 'text') text += event.delta;
    else return { text, usage: event.usage };
  }
  throw new ProviderError(signal.aborted ? 'The model call was stopped' : 'The model ended its answer unexpectedly');
}
