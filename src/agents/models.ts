import type { Config } from '../config/config.ts';

/** The built-in deterministic model used when no provider is configured (and in demos). */
export const OFFLINE_MODEL = 'offline';

/** Model names accepted with the stock OpenAI (or Azure) provider. */
export const KNOWN_MODELS = [
  OFFLINE_MODEL,
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'gpt-5',
  'gpt-5-mini',
  'gpt-5-nano',
  'o3',
  'o4-mini',
] as const;

/** With a custom OpenAI-compatible server (Ollama, vLLM, OpenRouter…) any model name may be valid. */
export function hasCustomProvider(config: Config): boolean {
  return Boolean(config.openai.baseUrl || config.azureOpenai.endpoint);
}

export function isAcceptedModel(config: Config, model: string): boolean {
  return hasCustomProvider(config) || (KNOWN_MODELS as readonly string[]).includes(model);
}
