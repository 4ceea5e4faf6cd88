import type { Config } from '../../config/config.ts';
import { OFFLINE_MODEL } from '../models.ts';
import { OfflineProvider } from './offline-provider.ts';
import { OpenAIProvider } from './openai-provider.ts';
import type { ModelProvider } from './types.ts';

/**
 * The installation's model provider: Azure OpenAI when AZURE_OPENAI_ENDPOINT is set, OpenAI (or any
 * compatible server at OPENAI_BASE_URL) when OPENAI_API_KEY or OPENAI_BASE_URL is set, otherwise
 * the offline model.
 */
export function createProvider(config: Config): ModelProvider {
  const { azureOpenai, openai } = config;
  if (azureOpenai.endpoint && azureOpenai.apiKey) {
    return new OpenAIProvider({
      apiKey: azureOpenai.apiKey,
      azure: { endpoint: azureOpenai.endpoint, apiVersion: azureOpenai.apiVersion, deployment: azureOpenai.deployment },
    });
  }
  if (openai.apiKey || openai.baseUrl) {
    // Local servers (Ollama, LM Studio) need no key; the SDK requires a non-empty one.
    return new OpenAIProvider({ apiKey: openai.apiKey ?? 'not-needed', baseUrl: openai.baseUrl });
  }
  return new OfflineProvider();
}

/** The model a teammate uses: its own, else DEFAULT_MODEL, else a sensible default for the provider. */
export function modelFor(provider: ModelProvider, config: Config, teammateModel: string | null): string {
  if (provider.name === 'offline') return OFFLINE_MODEL;
  return teammateModel ?? config.openai.defaultModel ?? 'gpt-4o-mini';
}
