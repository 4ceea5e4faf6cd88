import { GraphQLError } from 'graphql';
import type { SupabaseVerifier } from '../auth/supabase.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from '../realtime/event-bus.ts';
import type { ModelProvider } from '../models/providers/types.ts';
import type { Org, OrgRole } from '../repositories/orgs.ts';
import type { Run } from '../repositories/runs.ts';
import type { Teammate } from '../repositories/teammates.ts';
import type { User } from '../repositories/users.ts';
import type { FileStorage } from '../storage/types.ts';
import type { JobQueue } from './jobs.ts';

/** Who is asking, and for which organisation. Every tenant read and write is scoped by `org`. */
export interface Viewer {
  user: User;
  org: Org;
  role: OrgRole;
  /** How the caller proved who they are. */
  via: 'token' | 'supabase' | 'api_key';
  apiKeyId?: string;
  /** When the presented credential stops being accepted (undefined: API key without expiry). */
  expiresAt?: Date;
}

/** Role predicates, kept small and pure so services and `viewerCan…` fields share them. */
export const canManageOrg = (role: OrgRole) => role === 'owner' || role === 'admin';

/** The graphile-worker job executing a run, when there is one (delegated runs run inside their parent's). */
export interface JobInfo {
  workerId: string | null;
  attempts: number;
  maxAttempts: number;
  /** Fires when the worker is shutting down: the turn stops and its job is retried elsewhere. */
  abortSignal?: AbortSignal;
}

/**
 * What the rest of the process may ask of the agent runtime (`agents/runtime.ts` implements it):
 * the model provider, running a run's turn, and a delegated question to another teammate.
 */
export interface AgentPort {
  readonly provider: ModelProvider;
  /** Runs (or resumes) one run to its end; throws to have its job retried. */
  execute(runId: string, job: JobInfo): Promise<void>;
  /** Asks `teammate` a question inside `parent`'s turn; resolves with the finished delegation run. */
  delegate(input: { parent: Run; teammate: Teammate; question: string; signal: AbortSignal; askedBy: string }): Promise<Run>;
}

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
}

/** The signed-in viewer, or a top-level UNAUTHENTICATED error. */
export function requireViewer(ctx: Pick<Context, 'viewer'>): Viewer {
  if (!ctx.viewer) throw new GraphQLError('Sign in to do this', { extensions: { code: 'UNAUTHENTICATED' } });
  return ctx.viewer;
}
