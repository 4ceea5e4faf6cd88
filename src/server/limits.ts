import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const MAX_DEPTH = 15;

/**
 * Refuses documents nested deeper than `max` fields (fragments followed), so one request cannot
 * walk orgs → members → users → … without end. Introspection (`__schema`, `__type`) is exempt:
 * GraphiQL's own query is deep by nature and costs nothing per row.
 */
export function depthLimitRule(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

    const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
      if (!set) return 0;
      let deepest = 0;
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value.startsWith('__')) continue;
          deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, seen));
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          deepest = Math.max(deepest, depthOf(selection.selectionSet, seen));
        } else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue; // unknown or cyclic: other rules report it
          deepest = Math.max(deepest, depthOf(fragment.selectionSet, new Set([...seen, name])));
        }
        if (deepest > max) return deepest;
      }
      return deepest;
    };

    return {
      OperationDefinition(node) {
        const depth = depthOf(node.selectionSet, new Set());
        if (depth > max) {
          context.reportError(new GraphQLError(`Query is nested ${depth} levels deep; the limit is ${max}`, { nodes: [node] }));
        }
      },
    };
  };
}

export function useDepthLimit(max = MAX_DEPTH): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(depthLimitRule(max));
    },
  };
}

/**
 * Limits on multipart (upload) requests, enforced while the body is read. One file per request,
 * buffered in memory, so its size is capped: files over FILE_MAX_BYTES (up to twice that) still
 * reach the resolver, which refuses them with a typed ValidationError; anything larger is cut off
 * here with 413 before it can fill memory. Bigger files go direct to storage (`createUploadUrl`).
 */
export function multipartLimits(maxFileBytes: number) {
  return {
    files: 1,
    fileSize: Math.min(2 * maxFileBytes, 2_147_483_647),
    fields: 10,
    fieldSize: 1024 * 1024,
    parts: 12,
    headerSize: 16 * 1024,
  };
}
