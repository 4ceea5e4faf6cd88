import type { Config } from '../../config/config.ts';
import type { Teammate } from '../../repositories/teammates.ts';
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
  const { azureOpenai, openai, agents } = config;
  const common = { maxRetries: agents.maxRetries, timeoutMs: agents.timeoutMs };
  if (azureOpenai.endpoint && azureOpenai.apiKey) {
    return new OpenAIProvider({
      ...common,
      apiKey: azureOpenai.apiKey,
      azure: { endpoint: azureOpenai.endpoint, apiVersion: azureOpenai.apiVersion, deployment: azureOpenai.deployment },
    });
  }
  if (openai.apiKey || openai.baseUrl) {
    // Local servers (Ollama, LM Studio) need no key; the SDK requires a non-empty one.
    return new OpenAIProvider({ ...common, apiKey: openai.apiKey ?? 'not-needed', baseUrl: openai.baseUrl });
  }
  return new OfflineProvider({ chunkDelayMs: agents.offlineChunkDelayMs });
}

/**
 * The model a teammate uses. A self-made teammate's own model wins; catalog teammates follow the
 * installation (the organisation's default model, else DEFAULT_MODEL) and fall back to their
 * manifest's model. The offline provider has one model.
 */
export function modelFor(
  provider: ModelProvider,
  config: Config,
  teammate: Pick<Teammate, 'model' | 'catalogKey'>,
  orgDefaultModel?: string | null,
): string {
  if (provider.name === 'offline') return OFFLINE_MODEL;
  const installation = orgDefaultModel ?? config.openai.defaultModel;
  const chosen = teammate.catalogKey ? (installation ?? teammate.model) : (teammate.model ?? installation);
  return chosen ?? 'gpt-4o-mini';
}
