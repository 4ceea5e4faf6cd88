import { GraphQLError } from 'graphql';

/**
 * A credential was presented and is not acceptable (malformed, tampered, expired, revoked). The
 * whole request is refused — HTTP 401, or WebSocket close code 4403 at connect.
 */
export class AuthenticationError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    this.name = 'AuthenticationError';
  }
}

/** The organisation chosen with X-Tmates-Org does not exist or the caller is not a member. */
export function orgNotFound(): GraphQLError {
  return new GraphQLError('Organisation not found', { extensions: { code: 'ORG_NOT_FOUND', http: { status: 403 } } });
}
