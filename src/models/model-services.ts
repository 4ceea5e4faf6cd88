import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { ModelProvider } from './providers/types.ts';

/**
 * What the model-side calls (routing, summaries) need from the running process. `AppServices`
 * (core/context.ts, a floor above) has all of it; models never import the container itself.
 */
export interface ModelServices {
  config: Config;
  db: Database;
  logger: Logger;
  agents: { readonly provider: ModelProvider };
}
