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

/**
 * Refuses, before the body is read, a JSON GraphQL request whose declared body is larger than
 * `maxBodyBytes` (413), and a request whose variables hold a list longer than `maxListLength`
 * (400, before parsing). Multipart uploads have their own limits (`multipartLimits`).
 */
export function useRequestSizeLimits(limits: Limits['graphql']): Plugin {
  return {
    onRequest({ request, endResponse }) {
      if (request.method !== 'POST') return;
      if ((request.headers.get('content-type') ?? '').startsWith('multipart/')) return;
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > limits.maxBodyBytes) {
        endResponse(
          new Response(JSON.stringify({ errors: [{ message: `Request body is ${length} bytes; the limit is ${limits.maxBodyBytes}`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }), {
            status: 413,
            headers: { 'content-type': 'application/json' },
          }),
        );
      }
    },
    onParams({ params, setResult }) {
      const error = oversizedListVariable(params.variables, limits.maxListLength);
      if (error) setResult({ errors: [error] });
    },
  };
}
