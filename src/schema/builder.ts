import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import ValidationPlugin from '@pothos/plugin-validation';
import type { Context } from '../core/context.ts';
import { AppError, RateLimitError, ValidationError } from '../services/errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SchemaTypes {
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    /** A file part of a GraphQL multipart request (a WHATWG File from Yoga); input only. */
    Upload: { Input: File; Output: never };
    ID: { Input: string; Output: string | number };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}

export const builder = new SchemaBuilder<SchemaTypes>({
  plugins: [ErrorsPlugin, ValidationPlugin, RelayPlugin, DataloaderPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    // Every object id is a UUID: anything else is refused here, before it can reach SQL.
    decodeGlobalID: (globalID) => {
      let decoded: { typename: string; id: string } | undefined;
      try {
        decoded = decodeGlobalID(globalID);
      } catch {
        decoded = undefined;
      }
      if (!decoded || !UUID.test(decoded.id)) {
        throw new GraphQLError(`Invalid ID: ${globalID.slice(0, 80)}`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      return decoded;
    },
    cursorType: 'String',
    // Descriptions for the Relay plumbing, so the schema documents itself everywhere.
    idFieldOptions: { description: 'Global, opaque id (use with `node(id:)`).' },
    nodeTypeOptions: { description: 'An object with a global id that `node(id:)` can fetch.' },
    nodeQueryOptions: { description: 'Fetches any object by global id; null when it does not exist or is not visible to the caller.' },
    nodesQueryOptions: { description: 'Fetches objects by global ids, in order; null for each one missing or not visible.' },
    pageInfoTypeOptions: { description: 'Where a page sits in a connection.' },
    hasNextPageFieldOptions: { description: 'More items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'More items precede this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first item of the page.' },
    endCursorFieldOptions: { description: 'Cursor of the last item of the page (pass as `after`).' },
    pageInfoFieldOptions: { description: 'Paging information.' },
    edgesFieldOptions: { nullable: false, description: 'Items of this page with their cursors.' },
    nodeFieldOptions: { nullable: false, description: 'The item.' },
    cursorFieldOptions: { description: 'Opaque position of this item.' },
    defaultConnectionTypeOptions: { description: 'A page of items (Relay connection).' },
    defaultEdgeTypeOptions: { description: 'An item of a page and its cursor.' },
  },
  errors: {
    // Only expected failures become typed results; any other thrown error is masked.
    // RateLimitError: every mutation may be refused by a rate limit (src/server/rate-limits.ts).
    defaultTypes: [AppError, RateLimitError],
    // A mutation returns its payload object or one of its error types: `SignUpResult = AuthPayload | ValidationError | …`.
    directResult: true,
    defaultUnionOptions: {
      name: ({ fieldName }) => `${fieldName[0]!.toUpperCase()}${fieldName.slice(1)}Result`,
      description: 'The payload of a successful call, or one of the typed errors it can end with.',
    },
  },
  validation: {
    validationError: (failure) =>
      new ValidationError(
        failure.issues.map((issue) => ({
          field: (issue.path ?? [])
            .map((p) => (typeof p === 'object' ? String(p.key) : String(p)))
            .filter((p, i) => !(i === 0 && p === 'input'))
            .join('.'),
          message: issue.message,
        })),
      ),
  },
});
