import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { wsExecute, type TestServer, useTestServer } from '../helpers/server.ts';
import { waitFor } from '../helpers/kit.ts';

let server: TestServer;
useTestServer({ worker: true }, (s) => (server = s));

const base = () => server.url.replace(/\/graphql$/, '');

describe('HTTP server', () => {
  it('answers /healthz while the process is up', async () => {
    const response = await fetch(`${base()}/healthz`);
    expect(response.status).toBe(200);
  });

  it('answers /readyz with each check when database, migrations and worker are fine', async () => {
    const response = await fetch(`${base()}/readyz`);
    expect(response.status).toBe(200);
    // The worker check may add a detail ("1 job(s) running") while a scheduled job runs.
    expect(await response.json()).toMatchObject({
      ready: true,
      checks: { database: { ok: true }, migrations: { ok: true }, worker: { ok: true } },
    });
  });

  it('runs { __typename } over HTTP and echoes a request id', async () => {
    const result = await server.gql('{ __typename serverInfo { version time } }', undefined, {
      headers: { 'x-request-id': 'req-from-proxy-1' },
    });
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data).toMatchObject({ __typename: 'Query', serverInfo: { version: expect.any(String) } });
    expect(result.headers.get('x-request-id')).toBe('req-from-proxy-1');
    const fresh = await server.gql('{ __typename }');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects an invalid document with a GraphQL error, not a crash', async () => {
    const result = await server.gql('{ noSuchField }');
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toContain('noSuchField');
  });

  it('streams a result as server-sent events when asked to', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text).toContain('event: next');
    expect(text).toContain('{"data":{"__typename":"Query"}}');
    expect(text).toContain('event: complete');
  });

  it('serves GraphiQL on GET /graphql with its assets bundled (works offline)', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<title>Tmates GraphQL</title>');
    expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr/);
  });
});

describe('graphql-ws', () => {
  it('runs { __typename } over a WebSocket with the graphql-ws client', async () => {
    const client = server.wsClient();
    const result = await wsExecute(client, '{ __typename }');
    expect(result).toEqual({ data: { __typename: 'Query' } });
  });

  it('reports validation errors over the socket', async () => {
    const client = server.wsClient();
    await expect(wsExecute(client, '{ nope }')).rejects.toSatisfy(
      (errors: unknown) => Array.isArray(errors) && String((errors[0] as Error).message).includes('nope'),
    );
  });
});

describe('limits', () => {
  it('refuses queries nested deeper than the limit, but not introspection', async () => {
    const deep = `{ viewer { currentOrg { members { edges { node { user { id } } } } } } }`;
    expect((await server.gql(deep)).errors).toBeUndefined();
    let nested = 'id';
    for (let i = 0; i < 16; i += 1) nested = `node(id: "x") { ... on Org { members { edges { node { user { id } } } } } }`.replace('id }', `${nested} }`);
    const tooDeep = await server.gql(`{ ${nested} }`);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.errors?.[0]?.message).toMatch(/^Syntax Error: Query depth limit of 15 exceeded, found \d+\.$/);
    const { getIntrospectionQuery } = await import('graphql');
    const introspection = await server.gql(getIntrospectionQuery());
    expect(introspection.errors).toBeUndefined();
  });

  it('caps the operations one WebSocket may run at once', async () => {
    const user = await signUpUser(server, 'Busy');
    const client = server.wsClient({ token: user.token });
    const stops: Array<() => void> = [];
    const errors: unknown[] = [];
    for (let i = 0; i < 101; i += 1) {
      stops.push(
        client.subscribe({ query: 'subscription { viewerEvents { __typename } }' }, { next: () => {}, error: (e) => errors.push(e), complete: () => {} }),
      );
    }
    await waitFor(() => errors.length > 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toContain('At most 100 operations per connection');
    // Ending one frees a place (once the server has wound it down).
    stops[0]!();
    await new Promise((r) => setTimeout(r, 200));
    const again = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: 'subscription { viewerEvents { __typename } }' }, { next: () => {}, error: resolve, complete: () => {} });
      setTimeout(() => resolve('accepted'), 300);
    });
    expect(JSON.stringify(again)).toBe('"accepted"');
    stops.forEach((stop) => stop());
  });
});

describe('errors', () => {
  it('refuses malformed ids as bad input, before they reach the database', async () => {
    const user = await signUpUser(server, 'Ids');
    const bogus = Buffer.from('Thread:not-a-uuid').toString('base64');
    const result = await server.gql('query($id: ID!) { node(id: $id) { id } }', { id: bogus }, { token: user.token });
    expect(result.errors?.[0]).toMatchObject({ message: `Invalid ID: ${bogus}`, extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('masks unexpected errors: clients see "Unexpected error.", never internals', async () => {
    const user = await signUpUser(server, 'Masked');
    // A real database failure mid-request (the table is briefly gone), as after a botched deploy.
    const db = server.app.services.db;
    await sql`alter table threads rename to threads_away`.execute(db);
    try {
      const result = await server.gql('{ threads { edges { node { id } } } }', {}, { token: user.token });
      expect(result.errors?.[0]?.message).toBe('Unexpected error.');
      expect(JSON.stringify(result)).not.toMatch(/threads_away|relation|does not exist/);
    } finally {
      await sql`alter table threads_away rename to threads`.execute(db);
    }
  });
});
