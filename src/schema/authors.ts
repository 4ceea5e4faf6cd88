import type { Teammate } from '../repositories/teammates.ts';
import type { User } from '../repositories/users.ts';
import type { Context } from '../core/context.ts';
import { builder } from './builder.ts';
import { TeammateRef } from './teammates.ts';
import { UserRef } from './users.ts';

/** A person or a teammate, as the author of something (a pinboard post, a comment, an edit). */
export const AuthorRef = builder.unionType('Author', {
  description: 'Who wrote something: a person or a teammate.',
  types: [UserRef, TeammateRef],
  resolveType: (author) => ('email' in author ? UserRef : TeammateRef),
});

/**
 * The author as an object (batched through the User and Teammate loaders): null when the account is
 * gone or, for people, not visible to the caller.
 */
export function loadAuthor(
  ctx: Context,
  kind: 'user' | 'teammate',
  userId: string | null,
  teammateId: string | null,
): Promise<User | Teammate | null> | null {
  if (kind === 'user') return userId ? UserRef.getDataloader(ctx).load(userId) : null;
  return teammateId ? TeammateRef.getDataloader(ctx).load(teammateId) : null;
}
