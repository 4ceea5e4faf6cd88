import { SpanKind } from '@opentelemetry/api';
import type { ModelProvider, StreamEvent } from './types.ts';
import { modelCallDuration, modelCalls, modelTokens, timeToFirstToken } from '../../observability/metrics.ts';
import { endWithError, tracer } from '../../observability/tracing.ts';

/**
 * Wraps a model provider so that every chat completion is measured and traced, whoever serves it:
 * `tmates_model_*` metrics (calls, tokens, duration, time to first token, by model and outcome)
 * and a `chat <model>` client span with the OpenTelemetry GenAI attributes
 * (`gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
 * `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`, `gen_ai.response.finish_reasons`).
 * Prompts and completions are not recorded (they are the organisation's data).
 */
/** Our provider names → the GenAI convention's `gen_ai.provider.name` values (others kept as they are). */
const GEN_AI_PROVIDER: Record<string, string> = { openai: 'openai', 'openai-compatible': 'openai', 'azure-openai': 'azure.ai.openai' };

export function instrumentProvider(provider: ModelProvider): ModelProvider {
  return {
    name: provider.name,
    stream(request, signal) {
      return measuredStream(provider, request, signal);
    },
  };
}

async function* measuredStream(provider: ModelProvider, request: Parameters<ModelProvider['stream']>[0], signal: AbortSignal): AsyncGenerator<StreamEvent> {
  const model = request.model;
  const span = tracer().startSpan(`chat ${model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': GEN_AI_PROVIDER[provider.name] ?? provider.name,
      'tmates.provider': provider.name,
      'gen_ai.request.model': model,
      ...(request.maxTokens !== undefined ? { 'gen_ai.request.max_tokens': request.maxTokens } : {}),
      ...(request.temperature !== undefined ? { 'gen_ai.request.temperature': request.temperature } : {}),
      ...(request.tools?.length ? { 'tmates.request.tools': request.tools.length } : {}),
    },
  });
  const started = performance.now();
  let firstToken = false;
  let usage: { promptTokens: number; completionTokens: number } | undefined;
  let outcome = 'success';
  let finished = false;
  try {
    for await (const event of provider.stream(request, signal)) {
      if (event.type === 'text' && !firstToken) {
        firstToken = true;
        const seconds = (performance.now() - started) / 1000;
        timeToFirstToken.observe({ model }, seconds);
        span.addEvent('gen_ai.first_token');
      } else if (event.type === 'done') {
        usage = event.usage;
        span.setAttributes({
          'gen_ai.usage.input_tokens': event.usage.promptTokens,
          'gen_ai.usage.output_tokens': event.usage.completionTokens,
          'gen_ai.response.finish_reasons': [event.finishReason],
        });
      }
      yield event;
    }
    finished = true;
    if (signal.aborted) outcome = 'cancelled';
    else if (!usage) outcome = 'error'; // the stream ended without its final event
    span.end();
  } catch (error) {
    outcome = signal.aborted ? 'cancelled' : 'error';
    endWithError(span, error);
    throw error;
  } finally {
    // A consumer that stops reading early (return()) lands here too: the call counts as cancelled.
    if (!finished && outcome === 'success') {
      outcome = 'cancelled';
      span.end();
    }
    modelCalls.inc({ model, outcome });
    modelCallDuration.observe({ model, outcome }, (performance.now() - started) / 1000);
    if (usage) {
      modelTokens.inc({ model, type: 'input', outcome }, usage.promptTokens);
      modelTokens.inc({ model, type: 'output', outcome }, usage.completionTokens);
    }
  }
}
