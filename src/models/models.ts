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

/**
 * Whether a model reads images. Known vision-capable families by name (OpenAI's, and common open
 * models served by OpenAI-compatible servers); anything else gets attachments as text only.
 */
export function supportsVision(model: string): boolean {
  return /^(gpt-4o|gpt-4\.1|gpt-5|o3|o4|chatgpt-4o)|vision|llava|gemma-?3|qwen.*vl|pixtral|llama-?3\.2.*vision|llama-?4/i.test(model);
}
