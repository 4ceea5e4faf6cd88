import { GraphQLError } from 'graphql';
import type { SupabaseVerifier } from '../auth/supabase.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import type { DatabaseHealth } from '../db/health.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import type { FileStorage } from '../storage/types.ts';
import type { AgentPort } from './agents.ts';
import type { JobQueue } from './jobs.ts';
import type { Viewer } from './viewer.ts';
import type { RateLimitPort } from './rate-limits.ts';

/** Long-lived parts of a running process, created once at start and shared by every operation. */
export interface AppServices {
  config: Config;
  db: Database;
  logger: Logger;
  version: string;
  /** Realtime events between processes (PostgreSQL LISTEN/NOTIFY, or Redis when REDIS_URL is set). */
  bus: EventBus;
  /** The model provider and the runs this process executes. */
  agents: AgentPort;
  /** Enqueues background jobs (graphile-worker), checked against the task list (`jobs/task-list.ts`). */
  jobs: JobQueue;
  /** The time, for schedules (replaceable in tests). */
  clock: { now(): Date };
  /** Where file bytes live (FILE_STORAGE_BACKEND: local disk, S3-compatible or Supabase Storage). */
  storage: FileStorage;
  auth: {
    /** Signs built-in tokens (TMATES_SECRET or generated under TMATES_HOME). */
    secret: string;
    /** Present when SUPABASE_URL or SUPABASE_JWT_SECRET is configured. */
    supabase?: SupabaseVerifier;
  };
  /** Rate limits counted in PostgreSQL (absent: none). */
  rateLimits?: RateLimitPort;
  /** Whether the database answers; open streams end with a retryable error when it is lost. */
  health?: DatabaseHealth;
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
  /** The signed-in caller and their current organisation; null for anonymous operations. */
  viewer: Viewer | null;
  /** Address of the client's TCP connection (for per-IP rate limits); undefined when unknown. */
  clientIp?: string;
}

export interface ContextInput {
  requestId: string;
  /** Headers of the HTTP request, or of the WebSocket upgrade request. */
  headers: Headers;
  /** graphql-ws `connectionParams` (WebSocket only). */
  connectionParams?: Record<string, unknown>;
  /** Address of the client's TCP connection. */
  clientIp?: string;
  /** Already authenticated from these credentials (WebSocket operations); undefined: authenticate now. */
  viewer?: Viewer | null;
}

/** The signed-in viewer, or a top-level UNAUTHENTICATED error. */
export function requireViewer(ctx: Pick<Context, 'viewer'>): Viewer {
  if (!ctx.viewer) throw new GraphQLError('Sign in to do this', { extensions: { code: 'UNAUTHENTICATED' } });
  return ctx.viewer;
}
