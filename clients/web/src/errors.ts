/** The message of a typed mutation error (`... on Error { message }`), or of a transport error. */
export function errorMessage(result: { __typename?: string; message?: string } | null | undefined, fallback = 'Something went wrong.'): string | null {
  if (!result) return fallback;
  if (result.__typename && result.__typename.endsWith('Error')) return result.message ?? fallback;
  return null;
}

export function describeCombinedError(error: { graphQLErrors?: Array<{ message: string }>; networkError?: Error } | undefined): string | null {
  if (!error) return null;
  if (error.networkError) return 'Cannot reach the server. Check your connection.';
  return error.graphQLErrors?.map((e) => e.message).join(' ') || 'Something went wrong.';
}
