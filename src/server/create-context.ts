import type { AppServices, Context, ContextInput } from '../core/context.ts';
import type { Logger } from '../logger.ts';
import { authenticate, bearerToken } from '../services/viewer.ts';

/** Builds the per-operation `Context` (core/context.ts) from a transport's request. */
function param(params: Record<string, unknown> | undefined, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = params?.[name];
    if (typeof value === 'string' && value) return value;
  }
  return undefined;
}

/**
 * Credentials travel in the `Authorization` and `X-Tmates-Org` headers over HTTP and SSE, and in
 * `connectionParams` (`authorization` or `token`, and `org`) over graphql-ws.
 */
export function credentialsOf(input: Pick<ContextInput, 'headers' | 'connectionParams'>) {
  const fromParams = param(input.connectionParams, 'authorization', 'Authorization');
  const rawToken = param(input.connectionParams, 'token');
  const token = rawToken ?? bearerToken(fromParams ?? input.headers.get('authorization'));
  const org = param(input.connectionParams, 'org', 'x-tmates-org') ?? input.headers.get('x-tmates-org') ?? undefined;
  return { token, org };
}

export async function createContext(services: AppServices, input: ContextInput): Promise<Context> {
  const viewer = input.viewer !== undefined ? input.viewer : await authenticate(services, credentialsOf(input));
  let logger: Logger | undefined;
  return {
    requestId: input.requestId,
    // Made on first use: a long-lived subscription should not carry a logger it never writes to.
    get logger() {
      logger ??= services.logger.child({
        requestId: input.requestId,
        ...(viewer ? { userId: viewer.user.id, orgId: viewer.org.id } : {}),
      });
      return logger;
    },
    db: services.db,
    config: services.config,
    services,
    viewer,
    clientIp: input.clientIp,
  };
}

