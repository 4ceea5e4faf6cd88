/**
 * Expected failures a client should handle. Services throw these; the schema turns them into typed
 * members of mutation results (Pothos errors plugin). Anything else that is thrown is a bug or an
 * outage, and reaches clients only as a masked "Unexpected error.".
 */
export class AppError extends Error {
  override name = 'AppError';
}

/** The object does not exist — or exists in an organisation the caller cannot see. */
export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id?: string,
  ) {
    super(`${entity} not found`);
  }
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
}

export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(
    message: string,
    /** The object's version now, when the conflict is with a newer version of it (optimistic concurrency). */
    readonly current?: { revision: number; updatedAt: Date },
  ) {
    super(message);
  }
}

export interface FieldIssue {
  /** Dotted path of the offending input field, e.g. `email` or `teammates.2.name`. */
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  override name = 'ValidationError';
  constructor(readonly issues: FieldIssue[]) {
    super(issues.length === 1 ? `${issues[0]!.field}: ${issues[0]!.message}` : `${issues.length} fields are invalid`);
  }
}

export class PlanLimitError extends AppError {
  override name = 'PlanLimitError';
  constructor(
    /** Which limit was reached, e.g. `teammates`, `monthly_runs`. */
    readonly limit: string,
    readonly max: number,
    message?: string,
  ) {
    super(message ?? `Your plan allows at most ${max} ${limit.replaceAll('_', ' ')}`);
  }
}

/** Sign-in failed. Deliberately does not say whether the email has an account. */
export class InvalidCredentialsError extends AppError {
  override name = 'InvalidCredentialsError';
  constructor() {
    super('Wrong email or password');
  }
}

/** Too many attempts in a window (per account, per IP or per person); nothing was done. */
export class RateLimitError extends AppError {
  override name = 'RateLimitError';
  constructor(
    /** Whole seconds until an attempt may succeed again (at least 1). */
    readonly retryAfterSeconds: number,
  ) {
    super(`Too many requests; try again in ${retryAfterSeconds} s`);
  }
}
