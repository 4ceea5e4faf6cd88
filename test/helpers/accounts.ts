import { randomBytes } from 'node:crypto';
import type { TestServer } from './server.ts';

export interface TestUser {
  token: string;
  userId: string;
  orgId: string;
  email: string;
}

/** Signs up a fresh person through the real API and returns their token and ids. */
export async function signUpUser(server: TestServer, name = 'Ada'): Promise<TestUser> {
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}-${randomBytes(4).toString('hex')}@example.com`;
  const result = await server.gql<{ signUp: { token: string; user: { id: string } } }>(
    `mutation($input: SignUpInput!) { signUp(input: $input) { ... on AuthPayload { token user { id } } ... on Error { message } } }`,
    { input: { email, password: 'correct horse battery', displayName: name } },
  );
  const token = result.data?.signUp.token;
  if (!token) throw new Error(`signUp failed: ${JSON.stringify(result)}`);
  const viewer = await server.gql<{ viewer: { currentOrg: { id: string } } }>('{ viewer { currentOrg { id } } }', {}, { token });
  return { token, userId: result.data!.signUp.user.id, orgId: viewer.data!.viewer.currentOrg.id, email };
}
