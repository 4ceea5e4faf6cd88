import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getIntrospectionQuery } from 'graphql';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { queryCounter, useTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
const counter = queryCounter();
useTestServer({ onQuery: counter.onQuery }, (s) => (server = s));
let closed: TestServer;
useTestServer({ env: { INTROSPECTION: 'false', SEARCH_TIMEOUT_MS: '300' } }, (s) => (closed = s));

type Data = Record<string, any>;
const SEARCH = 'pinboard(search: "launch deploy", first: 100) { edges { node { body revisions { __typename } } } }';
const armorRefusal = /limit of \d+ exceeded/;

describe('cost and shape limits (graphql-armor)', () => {
  it('refuse many aliases of a costly search before anything runs', async () => {
    const user = await signUpUser(server, 'Aliaser');
    for (const n of [50, 1000]) {
      const query = `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${SEARCH}`).join(' ')} }`;
      const { result, queries } = await counter.count(() => server.gql(query, {}, { token: user.token }));
      expect(result.status).toBe(400);
      expect(result.errors?.[0]?.message).toMatch(armorRefusal);
      expect(queries).toBe(0); // refused before the context (authentication) or any search ran
    }
  });

  it('refuse documents over the depth, directive and cost limits', async () => {
    let nested = 'id';
    for (let i = 0; i < 16; i += 1) nested = `node(id: "x") { ... on Org { members { edges { node { user { id } } } } } }`.replace('id }', `${nested} }`);
    const deep = await server.gql(`{ ${nested} }`);
    expect(deep.status).toBe(400);
    expect(deep.errors?.[0]?.message).toMatch(/Query depth limit of 15 exceeded/);
    const directives = await server.gql(`{ __typename ${'@include(if: true) '.repeat(60)} }`);
    expect(directives.errors?.[0]?.message).toMatch(/Directives limit of 50 exceeded/);
    // Ten aliases pass the alias limit, but ten pages of a search cost more than one request may.
    const wide = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: ${SEARCH}`).join(' ')} }`;
    expect((await server.gql(wide)).errors?.[0]?.message).toMatch(/Query Cost limit of 20000 exceeded/);
    expect((await server.gql(`{ ${SEARCH} }`)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED'); // one page is fine
  });

  it("let GraphiQL's introspection and every client operation through", async () => {
    const introspection = await server.gql(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }));
    expect(introspection.errors).toBeUndefined();
    const user = await signUpUser(server, 'Client');
    const folder = path.resolve('clients/operations');
    const files = readdirSync(folder).filter((f) => f.endsWith('.graphql'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const document = readFileSync(path.join(folder, file), 'utf8');
      for (const match of document.matchAll(/^(query|mutation|subscription) (\w+)/gm)) {
        const result = await server.gql(document.replace(/^subscription /gm, 'query ') , {}, { token: user.token, headers: {} }).catch(() => undefined);
        // Operations are sent without their variables: only the armor's refusals matter here.
        for (const error of result?.errors ?? []) expect(`${match[2]}: ${error.message}`).not.toMatch(armorRefusal);
      }
    }
  });

  it('refuse a list variable over the limit, and an oversized body, before executing', async () => {
    const user = await signUpUser(server, 'Lister');
    const query = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    const huge = Array.from({ length: 1_000_000 }, (_, i) => `T${i}`);
    const { result: tooBig, queries } = await counter.count(() => server.gql(query, { ids: huge }, { token: user.token }));
    expect(tooBig.status).toBe(413);
    expect(queries).toBe(0);
    const long = await counter.count(() => server.gql(query, { ids: huge.slice(0, 1001) }, { token: user.token }));
    expect(long.result.status).toBe(400);
    expect(long.result.errors?.[0]?.message).toBe('Variable $.ids has 1001 elements; the limit is 1000');
    expect(long.queries).toBe(0);
    const nested = await server.gql('mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename } }', { input: { threadId: 'x', body: 'x', fileIds: huge.slice(0, 5000) } }, { token: user.token });
    expect(nested.errors?.[0]?.message).toBe('Variable $.input.fileIds has 5000 elements; the limit is 1000');
  });
});

describe('no suggestions while introspection is off', () => {
  it('answers a misspelled field or mutation without naming the schema', async () => {
    const field = await closed.gql('{ viewe }');
    expect(field.errors?.[0]?.message).toBeDefined();
    expect(JSON.stringify(field.errors)).not.toMatch(/Did you mean|viewer/);
    const mutation = await closed.gql('mutation { signUpp(input: {}) { __typename } }');
    expect(JSON.stringify(mutation.errors)).not.toMatch(/Did you mean|signUp"|signIn/);
    // With introspection on (the other server), suggestions help.
    expect(JSON.stringify((await server.gql('{ viewe }')).errors)).toMatch(/Did you mean \\"viewer\\"/);
  });
});

describe('search deadline', () => {
  it('stops a pinboard or file search past SEARCH_TIMEOUT_MS with a clear error, and other requests go on', async () => {
    const user = await signUpUser(closed, 'Searcher');
    // Another session holds the tables, so the searches wait: only their deadline can end them.
    const blocker = new pg.Client({ connectionString: closed.app.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table pinboard_posts, files in access exclusive mode');
      const searches = Promise.all([
        closed.gql<Data>('{ pinboard(search: "launch") { edges { node { id } } } }', {}, { token: user.token }),
        closed.gql<Data>('{ files(search: "launch") { edges { node { id } } } }', {}, { token: user.token }),
      ]);
      const viewer = await closed.gql<Data>('{ viewer { user { id } } }', {}, { token: user.token });
      expect(viewer.errors).toBeUndefined();
      const results = await Promise.race([searches, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('searches were not stopped')), 15_000))]);
      for (const result of results) {
        expect(result.errors?.[0]?.extensions?.code).toBe('SEARCH_TIMEOUT');
        expect(result.errors?.[0]?.message).toMatch(/took longer than 300 ms/);
      }
    } finally {
      await blocker.query('rollback').catch(() => undefined);
      await blocker.end();
    }
    const after = await closed.gql<Data>('{ pinboard(search: "launch") { edges { node { id } } } }', {}, { token: user.token });
    expect(after.errors).toBeUndefined();
  });
});
