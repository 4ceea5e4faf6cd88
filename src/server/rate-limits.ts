import type pg from 'pg';
import { wrapOrThrow } from '@pothos/plugin-errors';
import { GraphQLError, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Limits } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import { RateLimitError } from '../services/errors.ts';
import type { Context } from '../core/context.ts';
import type { LimitName, RateLimitPort } from '../core/rate-limits.ts';

export type { LimitName };

/**
 * Rate limits with rate-limiter-flexible, counted in PostgreSQL (table `rate_limits`, through the
 * app's pool) so they hold across every process of an installation. A fixed window per key:
 * `auth_account` and `auth_ip` count signIn/signUp/refreshToken attempts per account (email or
 * user id) and per client IP; `writes` counts mutations per person; `streams` counts WebSockets
 * and SSE streams opened per person. While the database is unreachable each process falls back
 * to counting in memory (the insurance limiter), so limits still hold, per process.
 */
export class RateLimits implements RateLimitPort {
  private readonly limiters: Record<LimitName, RateLimiterPostgres>;

  constructor(
    pool: pg.Pool,
    readonly config: Limits['rate'],
    private readonly logger: Logger,
  ) {
    const make = (keyPrefix: LimitName, points: number, duration: number) =>
      new RateLimiterPostgres({
        storeClient: pool,
        storeType: 'pool',
        tableName: 'rate_limits',
        tableCreated: true,
        keyPrefix,
        points,
        duration,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
      });
    this.limiters = {
      auth_account: make('auth_account', config.authPerAccount, config.authWindowSeconds),
      auth_ip: make('auth_ip', config.authPerIp, config.authWindowSeconds),
      writes: make('writes', config.writesPerUser, config.windowSeconds),
      streams: make('streams', config.streamsPerUser, config.windowSeconds),
    };
  }

  /**
   * Counts one attempt against each `(limit, key)`; the longest wait when any is over its limit
   * (a RateLimitError, not thrown), else undefined. Off (always undefined) with RATE_LIMITS=false.
   */
  async consume(...checks: Array<[LimitName, string]>): Promise<RateLimitError | undefined> {
    if (!this.config.enabled) return undefined;
    let waitMs = 0;
    await Promise.all(
      checks.map(async ([name, key]) => {
        try {
          await this.limiters[name].consume(key.slice(0, 200));
        } catch (refusal) {
          if (refusal instanceof RateLimiterRes) waitMs = Math.max(waitMs, refusal.msBeforeNext);
          else this.logger.warn({ err: refusal, limit: name }, 'rate limiter failed; the attempt was let through');
        }
      }),
    );
    return waitMs > 0 ? new RateLimitError(Math.max(1, Math.ceil(waitMs / 1000))) : undefined;
  }
}

/** A refusal outside a mutation result: HTTP 429 with `Retry-After` (Yoga reads `extensions.http`). */
export function rateLimitGraphQLError(error: { message: string; retryAfterSeconds: number }): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfterSeconds: error.retryAfterSeconds,
      http: { status: 429, headers: { 'retry-after': String(error.retryAfterSeconds) } },
    },
  });
}

const AUTH_MUTATIONS = new Set(['signIn', 'signUp', 'refreshToken']);

/** Which attempts a mutation counts against: the auth limits for sign-in, else the person's writes. */
function checksFor(fieldName: string, args: Record<string, unknown>, ctx: Context): Array<[LimitName, string]> {
  const ip = ctx.clientIp ?? 'unknown';
  if (AUTH_MUTATIONS.has(fieldName)) {
    const email = (args.input as { email?: unknown } | undefined)?.email;
    const account = typeof email === 'string' ? `email:${email.trim().toLowerCase()}` : ctx.viewer ? `user:${ctx.viewer.user.id}` : undefined;
    return account ? [['auth_account', account], ['auth_ip', ip]] : [['auth_ip', ip]];
  }
  return ctx.viewer ? [['writes', ctx.viewer.user.id]] : [];
}

/**
 * Puts every mutation of `schema` behind the rate limits, once: the check runs before the
 * mutation's own resolver, and a refusal is the field's result, a `RateLimitError` member of its
 * result union (every union has it: it is one of the errors plugin's default types). A mutation
 * without a result union gets a top-level RATE_LIMITED error with HTTP 429 instead.
 */
export function limitMutations(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType();
  if (!mutation || (mutation as { rateLimited?: boolean }).rateLimited) return schema;
  (mutation as { rateLimited?: boolean }).rateLimited = true;
  for (const field of Object.values(mutation.getFields())) {
    const resolve = field.resolve as GraphQLFieldResolver<unknown, Context> | undefined;
    if (!resolve) continue;
    // The errors plugin's classes for this field: a refusal is wrapped exactly as a thrown one would be.
    const errorClasses = (field.extensions as { pothosErrors?: Array<new (...args: never[]) => Error> }).pothosErrors ?? [];
    const typed = errorClasses.includes(RateLimitError);
    field.resolve = async (root, args, ctx: Context, info) => {
      const refusal = await ctx.services.rateLimits?.consume(...checksFor(field.name, args, ctx));
      if (refusal) {
        if (typed) return wrapOrThrow(refusal, errorClasses, undefined);
        throw rateLimitGraphQLError(refusal);
      }
      return resolve(root, args, ctx, info);
    };
  }
  return schema;
}
