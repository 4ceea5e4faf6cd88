import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PLAN_KEYS, type PlanKey } from '../billing/plans.ts';
import type { StripeConfig } from '../billing/stripe-config.ts';
import type { ObservabilityConfig } from '../observability/observability-config.ts';

/**
 * All configuration comes from the environment (and `.env`). It is parsed once, at start, and
 * every bad value is reported together in one readable line. `.env.example` documents each variable.
 */

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const booleanFlag = (defaultValue: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return defaultValue;
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      ctx.addIssue({ code: 'custom', message: `expected true or false (got "${v}")` });
      return z.NEVER;
    });

const integer = (defaultValue: number, min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return defaultValue;
      const n = Number(v);
      if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `expected an integer from ${min} to ${max} (got "${v}")` });
        return z.NEVER;
      }
      return n;
    });

const url = (protocols: string[], check?: (parsed: URL) => string | undefined) =>
  optionalString.superRefine((v, ctx) => {
    if (v === undefined) return;
    let parsed: URL;
    try {
      parsed = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a valid URL' });
      return;
    }
    if (!protocols.includes(parsed.protocol)) {
      ctx.addIssue({
        code: 'custom',
        message: `must start with ${protocols.map((p) => `${p}//`).join(' or ')} (got "${parsed.protocol}//")`,
      });
      return;
    }
    const problem = check?.(parsed);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** What uploads may be by default: documents, text, data and images (checked on the bytes, not the name). */
export const DEFAULT_ALLOWED_FILE_TYPES = [
  'text/plain',
  'text/markdown',
  'text/csv',
  'text/tab-separated-values',
  'application/json',
  'text/html',
  'application/pdf',
  'application/rtf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
];

/** A comma-separated list of media types (`type/subtype` or `type/*`). */
const mediaTypeList = optionalString.transform((v, ctx) => {
  if (v === undefined) return DEFAULT_ALLOWED_FILE_TYPES;
  const types = v
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  const bad = types.filter((t) => !/^[a-z0-9][\w.+-]*\/(\*|[a-z0-9][\w.+-]*)$/.test(t));
  if (bad.length > 0 || types.length === 0) {
    ctx.addIssue({ code: 'custom', message: `expected media types like text/csv,image/* (got "${bad.join(',') || v}")` });
    return z.NEVER;
  }
  return types;
});

const postgresUrl = url(['postgres:', 'postgresql:'], (parsed) => {
  if (!parsed.hostname && !parsed.searchParams.get('host')) {
    return 'needs a host (postgres://user:password@host:5432/database)';
  }
  if (parsed.pathname.length <= 1) return 'needs a database name (postgres://user:password@host:5432/database)';
  return undefined;
});

/**
 * `STRIPE_PRICE_<PLAN>` for every plan but free: a Stripe price id (`price_…`) or a price lookup key.
 * Unset: the lookup key `tmates_<plan>`.
 */
const stripePriceVariables = Object.fromEntries(
  PLAN_KEYS.filter((key) => key !== 'free').map((key) => [`STRIPE_PRICE_${key.toUpperCase()}`, optionalString]),
) as Record<`STRIPE_PRICE_${Uppercase<Exclude<PlanKey, 'free'>>}`, typeof optionalString>;

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: integer(4000, 0, 65535),
    HOST: optionalString.default('0.0.0.0'),
    PUBLIC_URL: url(['http:', 'https:']),
    DATABASE_URL: postgresUrl,
    DATABASE_POOL_SIZE: integer(10, 1, 1000),
    DATABASE_PREPARED_STATEMENTS: booleanFlag(true),
    TMATES_HOME: optionalString.default('.tmates'),
    TMATES_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, {
      message: 'must be at least 32 characters (e.g. `openssl rand -hex 32`)',
    }),
    DEFAULT_PLAN: z.enum(PLAN_KEYS as [PlanKey, ...PlanKey[]]).default('enterprise'),
    TOKEN_TTL_SECONDS: integer(7 * 24 * 3600, 60, 366 * 24 * 3600),
    EMBEDDED_PG_PORT: integer(0, 0, 65535),
    RUN_WORKER: booleanFlag(true),
    WORKER_CONCURRENCY: integer(10, 1, 200),
    WORKER_LOCAL_QUEUE_SIZE: integer(0, 0, 1000),
    SHUTDOWN_TIMEOUT_MS: integer(8000, 0, 600_000),
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: url(['http:', 'https:']),
    AZURE_OPENAI_API_KEY: optionalString,
    AZURE_OPENAI_ENDPOINT: url(['http:', 'https:']),
    AZURE_OPENAI_API_VERSION: optionalString,
    AZURE_OPENAI_DEPLOYMENT: optionalString,
    DEFAULT_MODEL: optionalString,
    MODEL_MAX_RETRIES: integer(3, 0, 10),
    MODEL_TIMEOUT_MS: integer(120_000, 1_000, 600_000),
    ROUTER_TIMEOUT_MS: integer(5_000, 100, 60_000),
    AGENT_MAX_STEPS: integer(8, 1, 50),
    RUN_STALE_AFTER_MS: integer(60_000, 500, 3_600_000),
    OFFLINE_CHUNK_DELAY_MS: integer(15, 0, 1_000),
    TOOL_APPROVAL_TTL_SECONDS: integer(86_400, 1, 30 * 86_400),
    MCP_ALLOW_PRIVATE_NETWORKS: booleanFlag(false),
    PUSH_ALLOW_PRIVATE_NETWORKS: booleanFlag(false),
    VAPID_PUBLIC_KEY: optionalString,
    VAPID_PRIVATE_KEY: optionalString,
    VAPID_SUBJECT: optionalString.default('mailto:admin@localhost'),
    NOTIFY_COALESCE_SECONDS: integer(60, 0, 86_400),
    SMTP_URL: url(['smtp:', 'smtps:']),
    MAIL_FROM: optionalString.default('Tmates <tmates@localhost>'),
    EXPO_PUSH_URL: url(['http:', 'https:']).default('https://exp.host/--/api/v2/push/send'),
    EXPO_ACCESS_TOKEN: optionalString,
    MCP_TIMEOUT_MS: integer(30_000, 100, 600_000),
    MCP_MAX_RESULT_CHARS: integer(12_000, 100, 1_000_000),
    IMAGE_MODEL: optionalString.default('gpt-image-1'),
    SUPABASE_URL: url(['http:', 'https:']),
    SUPABASE_ANON_KEY: optionalString,
    SUPABASE_SERVICE_ROLE_KEY: optionalString,
    SUPABASE_JWT_SECRET: optionalString,
    FILE_STORAGE_BACKEND: z.enum(['local', 's3', 'supabase']).default('local'),
    S3_BUCKET: optionalString,
    S3_REGION: optionalString,
    S3_ENDPOINT: url(['http:', 'https:']),
    S3_FORCE_PATH_STYLE: booleanFlag(false),
    SUPABASE_STORAGE_BUCKET: optionalString.default('files'),
    FILE_MAX_BYTES: integer(25 * 1024 * 1024, 1, 2_147_483_647),
    FILE_ALLOWED_TYPES: mediaTypeList,
    DOWNLOAD_URL_TTL_SECONDS: integer(15 * 60, 10, 7 * 24 * 3600),
    UPLOAD_URL_TTL_SECONDS: integer(60 * 60, 60, 7 * 24 * 3600),
    AWS_ACCESS_KEY_ID: optionalString,
    AWS_SECRET_ACCESS_KEY: optionalString,
    STRIPE_SECRET_KEY: optionalString,
    STRIPE_WEBHOOK_SECRET: optionalString,
    STRIPE_API_BASE: url(['http:', 'https:']),
    ...stripePriceVariables,
    BILLING_GRACE_DAYS: integer(7, 0, 365),
    REDIS_URL: url(['redis:', 'rediss:']),
    CORS_ORIGINS: optionalString,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    GRAPHIQL: booleanFlag(true),
    SERVE_WEB: booleanFlag(true),
    INTROSPECTION: booleanFlag(true),
    METRICS: booleanFlag(false),
    METRICS_PORT: integer(0, 1, 65_535),
    METRICS_TOKEN: optionalString,
    OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']),
    OTEL_SERVICE_NAME: optionalString.default('tmates'),
    GRAPHQL_MAX_DEPTH: integer(15, 1, 1000),
    GRAPHQL_MAX_ALIASES: integer(15, 0, 10_000),
    GRAPHQL_MAX_TOKENS: integer(5_000, 100, 1_000_000),
    GRAPHQL_MAX_DIRECTIVES: integer(50, 0, 10_000),
    GRAPHQL_MAX_COST: integer(20_000, 100, 10_000_000),
    GRAPHQL_MAX_LIST_LENGTH: integer(1_000, 1, 1_000_000),
    GRAPHQL_MAX_BODY_BYTES: integer(1024 * 1024, 1024, 1024 * 1024 * 1024),
    SEARCH_TIMEOUT_MS: integer(3_000, 100, 600_000),
    RATE_LIMITS: booleanFlag(true),
    RATE_LIMIT_AUTH_PER_ACCOUNT: integer(10, 1, 1_000_000),
    RATE_LIMIT_AUTH_PER_IP: integer(100, 1, 1_000_000),
    RATE_LIMIT_AUTH_WINDOW_SECONDS: integer(60, 1, 86_400),
    RATE_LIMIT_WRITES_PER_USER: integer(300, 1, 1_000_000),
    RATE_LIMIT_STREAMS_PER_USER: integer(120, 1, 1_000_000),
    RATE_LIMIT_WINDOW_SECONDS: integer(60, 1, 86_400),
    WS_MAX_PAYLOAD_BYTES: integer(1024 * 1024, 1024, 1024 * 1024 * 1024),
    WS_CONNECTION_INIT_TIMEOUT_MS: integer(5_000, 100, 600_000),
    MAX_SOCKETS_PER_USER: integer(50, 1, 100_000),
    MAX_SSE_STREAMS_PER_USER: integer(50, 1, 100_000),
    FILE_EXTRACT_TIMEOUT_MS: integer(30_000, 100, 3_600_000),
    FILE_EXTRACT_MAX_BYTES: integer(50 * 1024 * 1024, 1024, 2_147_483_647),
    FILE_EXTRACT_MEMORY_MB: integer(512, 32, 16_384),
    EMBEDDED_PG_RESTARTS: integer(5, 0, 1_000),
  })
  .superRefine((env, ctx) => {
    const need = (when: boolean, key: keyof typeof env, why: string) => {
      if (when && !env[key]) ctx.addIssue({ code: 'custom', path: [key], message: `is required ${why}` });
    };
    need(env.FILE_STORAGE_BACKEND === 's3', 'S3_BUCKET', 'when FILE_STORAGE_BACKEND=s3');
    need(env.FILE_STORAGE_BACKEND === 'supabase', 'SUPABASE_URL', 'when FILE_STORAGE_BACKEND=supabase');
    need(env.FILE_STORAGE_BACKEND === 'supabase', 'SUPABASE_SERVICE_ROLE_KEY', 'when FILE_STORAGE_BACKEND=supabase');
    need(Boolean(env.AWS_ACCESS_KEY_ID), 'AWS_SECRET_ACCESS_KEY', 'when AWS_ACCESS_KEY_ID is set');
    need(Boolean(env.AZURE_OPENAI_ENDPOINT), 'AZURE_OPENAI_API_KEY', 'when AZURE_OPENAI_ENDPOINT is set');
    need(Boolean(env.STRIPE_WEBHOOK_SECRET), 'STRIPE_SECRET_KEY', 'when STRIPE_WEBHOOK_SECRET is set');
    need(Boolean(env.STRIPE_SECRET_KEY), 'STRIPE_WEBHOOK_SECRET', 'when STRIPE_SECRET_KEY is set (subscriptions are synced by webhook)');
    need(Boolean(env.STRIPE_SECRET_KEY), 'PUBLIC_URL', 'when STRIPE_SECRET_KEY is set (checkout returns there)');
  });

type Env = z.output<typeof envSchema>;

/** What notifications need: coalescing window, Expo's push API, SMTP. */
export interface NotificationsConfig {
  /** At most one push or mail per person and thread in this many seconds (default 60). */
  coalesceSeconds: number;
  /** `smtp://user:pass@host:port` or `smtps://…`; undefined: nothing is mailed (invitations included). */
  smtpUrl: string | undefined;
  /** The From of every mail, e.g. `Tmates <tmates@example.com>`. */
  mailFrom: string;
  /** Expo's push endpoint (default https://exp.host/--/api/v2/push/send). */
  expoPushUrl: string;
  /** Bearer token for Expo's enhanced push security; undefined: none sent. */
  expoAccessToken: string | undefined;
}

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  publicUrl: string | undefined;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Run queries as named prepared statements (off behind a pooler in transaction mode). */
  databasePreparedStatements: boolean;
  /** Absolute path of the folder that holds the embedded database, secrets and local files. */
  home: string;
  secret: string | undefined;
  /** Plan (limits) of every organisation until billing is connected. */
  defaultPlan: PlanKey;
  /** Lifetime of built-in sign-in tokens. */
  tokenTtlSeconds: number;
  embeddedPgPort: number;
  runWorker: boolean;
  workerConcurrency: number;
  /** Jobs a worker fetches and locks at once (graphile-worker's local queue); 0 or 1: one at a time. */
  workerLocalQueueSize: number;
  shutdownTimeoutMs: number;
  openai: { apiKey?: string; baseUrl?: string; defaultModel?: string };
  azureOpenai: { apiKey?: string; endpoint?: string; apiVersion?: string; deployment?: string };
  agents: {
    /** Retries of a model request on 408/409/429/5xx, timeouts and connection errors (with backoff). */
    maxRetries: number;
    /** Per model request. */
    timeoutMs: number;
    /** The router (who answers in a team thread) falls back to a deterministic choice after this. */
    routerTimeoutMs: number;
    /** Model calls one run may make (tool-call rounds). */
    maxSteps: number;
    /** A running run whose worker sent no heartbeat for this long is recovered (its job retried). */
    staleAfterMs: number;
    /** Pause between the offline model's words, so its answers visibly stream (0 in tests). */
    offlineChunkDelayMs: number;
  };
  supabase: { url?: string; anonKey?: string; serviceRoleKey?: string; jwtSecret?: string };
  storage: {
    backend: Env['FILE_STORAGE_BACKEND'];
    /** Largest file accepted, in bytes (uploads and direct uploads). */
    maxBytes: number;
    /** Media types accepted, as sniffed from the bytes: `type/subtype` or `type/*`. */
    allowedTypes: string[];
    /** Lifetime of signed download URLs. */
    downloadUrlTtlSeconds: number;
    /** Lifetime of direct-upload URLs (and of the pending file waiting for its bytes). */
    uploadUrlTtlSeconds: number;
    s3: {
      bucket?: string;
      region?: string;
      endpoint?: string;
      forcePathStyle: boolean;
      /** Unset: the AWS SDK's default credential chain (environment, profile, instance role). */
      accessKeyId?: string;
      secretAccessKey?: string;
    };
    /** Supabase Storage bucket (FILE_STORAGE_BACKEND=supabase); must exist and be private. */
    supabaseBucket: string;
  };
  stripe: StripeConfig;
  /** Tool approval (people in the loop): an unanswered approval expires as a rejection after this. */
  approvals: { ttlSeconds: number };
  /** MCP servers: private/loopback URLs allowed, per-call timeout, largest result passed to the model. */
  mcp: { allowPrivateNetworks: boolean; timeoutMs: number; maxResultChars: number };
  /** `generate_image` with OpenAI: the images API model. */
  images: { model: string };
  /**
   * Push targets: private/loopback endpoints allowed; VAPID keys (base64url; generated into
   * TMATES_HOME/vapid.json when unset) and the subject (`mailto:` or https URL) web push signs with.
   */
  push: { allowPrivateNetworks: boolean; vapidPublicKey: string | undefined; vapidPrivateKey: string | undefined; vapidSubject: string };
  /**
   * Notifications: one push per person and thread per `coalesceSeconds` (more messages raise the
   * count of the unread one); Expo's push API (`expoPushUrl`, bearer `expoAccessToken` when set);
   * email over `smtpUrl` (unset: nothing is mailed) from `mailFrom`.
   */
  notifications: NotificationsConfig;
  redisUrl: string | undefined;
  corsOrigins: string[];
  logLevel: Env['LOG_LEVEL'];
  graphiql: boolean;
  /** Serve the built web app (clients/web/dist) at `/`; false for API-only deployments. */
  serveWeb: boolean;
  introspection: boolean;
  observability: ObservabilityConfig;
  /** Bounds on what one request, one person or one file may cost (README "Limits"). */
  limits: Limits;
}

export interface Limits {
  graphql: {
    /** Nesting of fields in one operation (fragments followed; introspection exempt). */
    maxDepth: number;
    /** Aliased fields in one operation. */
    maxAliases: number;
    /** Lexer tokens in one document, counted while parsing. */
    maxTokens: number;
    /** Directives in one operation. */
    maxDirectives: number;
    /** graphql-armor's static cost (objects 2, scalars 1, ×1.5 per level; introspection exempt). */
    maxCost: number;
    /** Elements in any one list inside the variables. */
    maxListLength: number;
    /** Bytes of a JSON (non-multipart) GraphQL request body. */
    maxBodyBytes: number;
  };
  /** statement_timeout of the expensive search statements (pinboard and file search), in ms. */
  searchTimeoutMs: number;
  rate: {
    enabled: boolean;
    /** signIn/signUp/refreshToken attempts per account (email or user) per auth window. */
    authPerAccount: number;
    /** signIn/signUp/refreshToken attempts per client IP per auth window. */
    authPerIp: number;
    authWindowSeconds: number;
    /** Mutations per person per window. */
    writesPerUser: number;
    /** Sockets and SSE streams opened per person per window. */
    streamsPerUser: number;
    windowSeconds: number;
  };
  sockets: {
    /** Largest WebSocket message, in bytes (ws `maxPayload`). */
    maxPayloadBytes: number;
    /** A socket that sends no `connection_init` within this is closed (4408). */
    connectionInitTimeoutMs: number;
    /** Open graphql-ws sockets per person at once. */
    maxPerUser: number;
    /** Open SSE subscription streams per person at once. */
    maxSsePerUser: number;
  };
  fileExtraction: {
    /** Wall time of one file's text extraction (worker thread), in ms. */
    timeoutMs: number;
    /** Bytes of decompressed content / extracted text one file may produce. */
    maxBytes: number;
    /** Heap of the extraction worker thread, in MB. */
    memoryMb: number;
  };
  /** Restarts of a dead embedded PostgreSQL (with backoff) before the process exits non-zero. */
  embeddedPgRestarts: number;
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function describeValue(env: Record<string, string | undefined>, key: string): string {
  const value = env[key];
  if (value === undefined) return '';
  // Never echo secrets or credentials embedded in URLs back to the terminal.
  if (/KEY|SECRET|PASSWORD|TOKEN/.test(key) || /:\/\/[^/]*@/.test(value)) return '';
  return value.length > 60 ? '' : ` (got "${value}")`;
}

/** Parses configuration from an environment object; throws one ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'environment');
      const alreadyQuoted = issue.message.includes('(got ');
      return `${key} ${issue.message}${alreadyQuoted ? '' : describeValue(env, key)}`;
    });
    throw new ConfigError(issues);
  }
  const e = result.data;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    home: path.resolve(cwd, e.TMATES_HOME),
    secret: e.TMATES_SECRET,
    tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
    defaultPlan: e.DEFAULT_PLAN,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    runWorker: e.RUN_WORKER,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerLocalQueueSize: e.WORKER_LOCAL_QUEUE_SIZE,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL, defaultModel: e.DEFAULT_MODEL },
    azureOpenai: {
      apiKey: e.AZURE_OPENAI_API_KEY,
      endpoint: e.AZURE_OPENAI_ENDPOINT,
      apiVersion: e.AZURE_OPENAI_API_VERSION,
      deployment: e.AZURE_OPENAI_DEPLOYMENT,
    },
    agents: {
      maxRetries: e.MODEL_MAX_RETRIES,
      timeoutMs: e.MODEL_TIMEOUT_MS,
      routerTimeoutMs: e.ROUTER_TIMEOUT_MS,
      maxSteps: e.AGENT_MAX_STEPS,
      staleAfterMs: e.RUN_STALE_AFTER_MS,
      offlineChunkDelayMs: e.OFFLINE_CHUNK_DELAY_MS,
    },
    supabase: {
      url: e.SUPABASE_URL,
      anonKey: e.SUPABASE_ANON_KEY,
      serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY,
      jwtSecret: e.SUPABASE_JWT_SECRET,
    },
    storage: {
      backend: e.FILE_STORAGE_BACKEND,
      maxBytes: e.FILE_MAX_BYTES,
      allowedTypes: e.FILE_ALLOWED_TYPES,
      downloadUrlTtlSeconds: e.DOWNLOAD_URL_TTL_SECONDS,
      uploadUrlTtlSeconds: e.UPLOAD_URL_TTL_SECONDS,
      s3: {
        bucket: e.S3_BUCKET,
        region: e.S3_REGION,
        endpoint: e.S3_ENDPOINT,
        forcePathStyle: e.S3_FORCE_PATH_STYLE,
        accessKeyId: e.AWS_ACCESS_KEY_ID,
        secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
      },
      supabaseBucket: e.SUPABASE_STORAGE_BUCKET,
    },
    stripe: {
      secretKey: e.STRIPE_SECRET_KEY,
      webhookSecret: e.STRIPE_WEBHOOK_SECRET,
      apiBase: e.STRIPE_API_BASE,
      prices: Object.fromEntries(
        PLAN_KEYS.filter((key) => key !== 'free').map((key) => [key, (e as unknown as Record<string, string | undefined>)[`STRIPE_PRICE_${key.toUpperCase()}`] ?? `tmates_${key}`]),
      ),
      graceDays: e.BILLING_GRACE_DAYS,
    },
    approvals: { ttlSeconds: e.TOOL_APPROVAL_TTL_SECONDS },
    mcp: { allowPrivateNetworks: e.MCP_ALLOW_PRIVATE_NETWORKS, timeoutMs: e.MCP_TIMEOUT_MS, maxResultChars: e.MCP_MAX_RESULT_CHARS },
    images: { model: e.IMAGE_MODEL },
    push: { allowPrivateNetworks: e.PUSH_ALLOW_PRIVATE_NETWORKS, vapidPublicKey: e.VAPID_PUBLIC_KEY, vapidPrivateKey: e.VAPID_PRIVATE_KEY, vapidSubject: e.VAPID_SUBJECT },
    notifications: {
      coalesceSeconds: e.NOTIFY_COALESCE_SECONDS,
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM,
      expoPushUrl: e.EXPO_PUSH_URL,
      expoAccessToken: e.EXPO_ACCESS_TOKEN,
    },
    redisUrl: e.REDIS_URL,
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    logLevel: e.LOG_LEVEL,
    graphiql: e.GRAPHIQL,
    serveWeb: e.SERVE_WEB,
    introspection: e.INTROSPECTION,
    observability: {
      metrics: e.METRICS || e.METRICS_PORT > 0,
      metricsPort: e.METRICS_PORT || undefined,
      metricsToken: e.METRICS_TOKEN,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      serviceName: e.OTEL_SERVICE_NAME ?? 'tmates',
    },
    limits: {
      graphql: {
        maxDepth: e.GRAPHQL_MAX_DEPTH,
        maxAliases: e.GRAPHQL_MAX_ALIASES,
        maxTokens: e.GRAPHQL_MAX_TOKENS,
        maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
        maxCost: e.GRAPHQL_MAX_COST,
        maxListLength: e.GRAPHQL_MAX_LIST_LENGTH,
        maxBodyBytes: e.GRAPHQL_MAX_BODY_BYTES,
      },
      searchTimeoutMs: e.SEARCH_TIMEOUT_MS,
      rate: {
        enabled: e.RATE_LIMITS,
        authPerAccount: e.RATE_LIMIT_AUTH_PER_ACCOUNT,
        authPerIp: e.RATE_LIMIT_AUTH_PER_IP,
        authWindowSeconds: e.RATE_LIMIT_AUTH_WINDOW_SECONDS,
        writesPerUser: e.RATE_LIMIT_WRITES_PER_USER,
        streamsPerUser: e.RATE_LIMIT_STREAMS_PER_USER,
        windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
      },
      sockets: {
        maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
        connectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
        maxPerUser: e.MAX_SOCKETS_PER_USER,
        maxSsePerUser: e.MAX_SSE_STREAMS_PER_USER,
      },
      fileExtraction: {
        timeoutMs: e.FILE_EXTRACT_TIMEOUT_MS,
        maxBytes: e.FILE_EXTRACT_MAX_BYTES,
        memoryMb: e.FILE_EXTRACT_MEMORY_MB,
      },
      embeddedPgRestarts: e.EMBEDDED_PG_RESTARTS,
    },
  };
}

/**
 * Reads `.env` from the working directory (when present) without overriding variables that are
 * already set, then parses the environment.
 */
export function loadConfig(cwd = process.cwd()): Config {
  const envFile = path.join(cwd, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseConfig(process.env, cwd);
}
