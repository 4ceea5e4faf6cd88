/** The rate limits every process counts against (`server/rate-limits.ts`: rate-limiter-flexible on PostgreSQL). */
export type LimitName = 'auth_account' | 'auth_ip' | 'writes' | 'streams';

/** A refusal: how long to wait before trying again, in seconds (a `RateLimitError`). */
export interface RateLimitRefusal extends Error {
  retryAfterSeconds: number;
}

export interface RateLimitPort {
  /**
   * Counts one attempt against each `(limit, key)`; the longest wait when any is over its limit
   * (returned, not thrown), else undefined. Always undefined with RATE_LIMITS=false.
   */
  consume(...checks: Array<[LimitName, string]>): Promise<RateLimitRefusal | undefined>;
}
