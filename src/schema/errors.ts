import {
  AppError,
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  PlanLimitError,
  RateLimitError,
  ValidationError,
  type FieldIssue,
} from '../services/errors.ts';
import { builder } from './builder.ts';

/** The interface every typed error in a mutation result implements. */
export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'An expected failure: the operation did nothing, and `message` says why in words a person can read.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What went wrong, in plain language.' }),
  }),
});

builder.objectType(AppError, {
  name: 'BaseError',
  description: 'A failure without a more specific type.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof AppError,
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The object does not exist, or the caller may not see it (the two are deliberately indistinguishable).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    entity: t.exposeString('entity', { description: 'Kind of object that was looked for, e.g. `Thread`.' }),
  }),
});

builder.objectType(ForbiddenError, {
  name: 'ForbiddenError',
  description: 'The caller may see the object but not do this to it (e.g. a member changing roles).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ForbiddenError,
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'The operation clashes with the current state (e.g. a reused idempotency key with a different body, or an edit made from an older copy).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ConflictError,
  fields: (t) => ({
    currentRevision: t.int({
      nullable: true,
      description: 'For an edit made from an older copy: the revision the object has now (send it as `expectedRevision` after merging).',
      resolve: (e) => e.current?.revision ?? null,
    }),
    currentUpdatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'For an edit made from an older copy: when the object last changed.',
      resolve: (e) => e.current?.updatedAt ?? null,
    }),
  }),
});

const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
  description: 'One invalid input field.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'Dotted path of the input field, e.g. `email`.' }),
    message: t.exposeString('message', { description: 'What is wrong with it.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input was invalid; `issues` names each bad field. Nothing was changed.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    issues: t.field({
      type: [FieldIssueRef],
      description: 'Each invalid field with what is wrong with it.',
      resolve: (error) => error.issues,
    }),
  }),
});

builder.objectType(PlanLimitError, {
  name: 'PlanLimitError',
  description: "The organisation's plan does not allow this; upgrading (or freeing capacity) would.",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof PlanLimitError,
  fields: (t) => ({
    limit: t.exposeString('limit', { description: 'The limit that was reached, e.g. `teammates`.' }),
    max: t.exposeInt('max', { description: 'The most the plan allows.' }),
  }),
});

builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  description: 'Wrong email or password (which of the two is deliberately not said).',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidCredentialsError,
});

builder.objectType(RateLimitError, {
  name: 'RateLimitError',
  description: 'Too many attempts in a short time (per account, per IP address or per person); nothing was done. Retry after `retryAfterSeconds`.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof RateLimitError,
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt('retryAfterSeconds', { description: 'Seconds to wait before trying again (at least 1).' }),
  }),
});
