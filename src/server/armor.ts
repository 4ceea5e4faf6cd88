import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { costLimitPlugin } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Limits } from '../config/config.ts';

/**
 * The shape and cost limits of one GraphQL operation, with graphql-armor (one plugin per rule):
 * tokens are counted while parsing (a huge document is refused before it is built), then depth,
 * aliases, directives and static cost are checked during validation, before anything executes.
 * Introspection is exempt from depth and cost, so GraphiQL's own query passes. With introspection
 * off, "Did you mean …" suggestions are removed from validation errors: they would leak the schema.
 */
export function armorPlugins(limits: Limits['graphql'], options: { introspection: boolean }): Plugin[] {
  // Reported as ordinary validation errors (HTTP 400, GRAPHQL_VALIDATION_FAILED), not thrown.
  const report = {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  const plugins = [
    maxTokensPlugin({ n: limits.maxTokens, exposeLimits: true }),
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...report }),
    maxAliasesPlugin({ n: limits.maxAliases, ...report }),
    maxDirectivesPlugin({ n: limits.maxDirectives, ...report }),
    costLimitPlugin({ maxCost: limits.maxCost, ignoreIntrospection: true, ...report }),
  ];
  if (!options.introspection) plugins.push(blockFieldSuggestionsPlugin());
  return plugins as Plugin[];
}

/**
 * The first list in `variables` longer than `max` elements (nested lists and input objects
 * included), as a GraphQL error; undefined when every list fits. Runs before parsing and
 * execution, so a million-element `[ID!]` costs one walk of the JSON the server already parsed.
 */
export function oversizedListVariable(variables: unknown, max: number): GraphQLError | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value: variables, path: '$' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (Array.isArray(value)) {
      if (value.length > max) {
        return new GraphQLError(`Variable ${path} has ${value.length} elements; the limit is ${max}`, {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      }
      for (let i = 0; i < value.length; i += 1) if (value[i] !== null && typeof value[i] === 'object') stack.push({ value: value[i], path: `${path}[${i}]` });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) if (child !== null && typeof child === 'object') stack.push({ value: child, path: `${path}.${key}` });
    }
  }
  return undefined;
}

/** The most a multipart (upload) body may carry, as Yoga's own default; its parts have their own limits (`multipartLimits`). */
export const MAX_MULTIPART_BODY_BYTES = 25_000_000;
const CONTENT_LENGTH = /^\d+$/;

function tooLarge(message: string): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }), {
    status: 413,
    headers: { 'content-type': 'application/json' },
  });
}

/**
 * The body of `request` as a stream that fails once more than `limit` bytes went through (for a
 * body sent without `Content-Length`, in chunks).
 */
function limitedBody(request: Request, limit: number): Request {
  let bytes = 0;
  const body = request.body!.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        bytes += chunk.byteLength;
        if (bytes > limit) controller.error(new GraphQLError('Request body too large', { extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } } }));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Request(request.url, { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' } as RequestInit);
}

/**
 * Body limits, in place of Yoga's `maxRequestBodySize` (which streams every body through a
 * counting TransformStream): a GraphQL POST may carry `maxBodyBytes` (JSON) or
 * `MAX_MULTIPART_BODY_BYTES` (multipart). A declared `Content-Length` over the limit is refused
 * with 413 before the body is read; a malformed one with 400. Node's HTTP parser reads exactly the
 * declared length, so only a body sent in chunks (no `Content-Length`) is counted as it is read.
 * Then a request whose variables hold a list longer than `maxListLength` is refused (400, before
 * parsing). Multipart parts have their own limits (`multipartLimits`).
 */
export function useRequestSizeLimits(limits: Limits['graphql']): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, endResponse }) {
      if (request.method !== 'POST') return;
      const limit = (request.headers.get('content-type') ?? '').startsWith('multipart/') ? MAX_MULTIPART_BODY_BYTES : limits.maxBodyBytes;
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!CONTENT_LENGTH.test(declared)) {
          endResponse(new Response(JSON.stringify({ errors: [{ message: 'Content-Length header is invalid.', extensions: { code: 'BAD_REQUEST' } }] }), { status: 400, headers: { 'content-type': 'application/json' } }));
        } else if (Number(declared) > limit) {
          endResponse(tooLarge(`Request body is ${declared} bytes; the limit is ${limit}`));
        }
        return;
      }
      if (requestParser && request.body) {
        const parse = requestParser;
        setRequestParser((req) => parse(limitedBody(req, limit)));
      }
    },
    onParams({ params, setResult }) {
      const error = oversizedListVariable(params.variables, limits.maxListLength);
      if (error) setResult({ errors: [error] });
    },
  };
}
