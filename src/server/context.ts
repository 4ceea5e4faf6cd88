import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/** Long-lived parts of a running process, created once at start and shared by every operation. */
export interface AppServices {
  config: Config;
  db: Database;
  logger: Logger;
  version: string;
}

/**
 * One object per GraphQL operation, whatever the transport (HTTP, SSE or WebSocket). The schema
 * reads everything it needs from here and never looks at the transport.
 */
export interface Context {
  requestId: string;
  logger: Logger;
  db: Database;
  config: Config;
  services: AppServices;
}

export interface ContextInput {
  requestId: string;
  /** Headers of the HTTP request, or of the WebSocket upgrade request. */
  headers: Headers;
  /** graphql-ws `connectionParams` (WebSocket only). */
  connectionParams?: Record<string, unknown>;
}

export function createContext(services: AppServices, input: ContextInput): Context {
  return {
    requestId: input.requestId,
    logger: services.logger.child({ requestId: input.requestId }),
    db: services.db,
    config: services.config,
    services,
  };
}
