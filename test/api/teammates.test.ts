import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { queryCounter, startTestServer, type TestServer } from '../helpers/server.ts';
import { gqlOn, type Data } from '../helpers/kit.ts';

let db: TestDatabase;
let server: TestServer; // no plan limits (the self-hosted default)
let custom: TestServer; // same database, a custom OpenAI-compatible provider configured
const counter = queryCounter();

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer({
    databaseUrl: db.url,
    onQuery: counter.onQuery,
  });
  custom = await startTestServer({ databaseUrl: db.url, env: { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'x' } });
});
afterAll(async () => {
  await custom?.stop();
  await server?.stop();
  await db?.drop();
});

const gql = gqlOn(() => server);

const TEAMMATE_FIELDS = 'id handle name role model tools status isCustom catalogKey appearance { emoji color }';
const HIRE = `mutation($key: String!) { hireTeammate(input: { catalogKey: $key }) { __typename ... on Teammate { ${TEAMMATE_FIELDS} } ... on Error { message } ... on PlanLimitError { limit max } } }`;
const DISMISS = `mutation($id: ID!) { dismissTeammate(input: { teammateId: $id }) { __typename ... on Teammate { id status } ... on Error { message } } }`;
const CREATE = `mutation($input: CreateTeammateInput!) { createTeammate(input: $input) { __typename ... on Teammate { ${TEAMMATE_FIELDS} } ... on ValidationError { issues { field message } } ... on PlanLimitError { limit max message } ... on Error { message } } }`;
const UPDATE = `mutation($input: UpdateTeammateInput!) { updateTeammate(input: $input) { __typename ... on Teammate { ${TEAMMATE_FIELDS} personality } ... on ValidationError { issues { field message } } ... on Error { message } } }`;
const persona = {
  name: 'Max',
  role: 'Release manager',
  personality: 'Calm under pressure, dry humour, hates surprises.',
  instructions: 'Keep the release checklist, chase owners, and post the go/no-go on the pinboard.',
};

describe('catalog', () => {
  it('lists the bundled teammates with their roles, hired flag for the caller, and filters', async () => {
    const user = await signUpUser(server, 'Browser');
    const { catalog } = await gql(user, '{ catalog { key name role category hired tools capabilities appearance { emoji color } teammate { handle } } }');
    expect(catalog.length).toBeGreaterThanOrEqual(8);
    expect(catalog.map((c: Data) => c.key).sort()).toEqual(
      expect.arrayContaining(['analyst', 'coordinator', 'filmmaker', 'illustrator', 'inbox', 'researcher', 'starter', 'writer']),
    );
    // Onboarding hired the starter generalist, and only it.
    expect(catalog.filter((c: Data) => c.hired).map((c: Data) => c.key)).toEqual(['starter']);
    expect(catalog.find((c: Data) => c.key === 'starter').teammate).toEqual({ handle: 'starter' });
    for (const entry of catalog) expect(entry.appearance.color).toMatch(/^#[0-9A-Fa-f]{6}$/);

    const creative = await gql(user, '{ catalog(category: CREATIVE) { key } }');
    expect(creative.catalog.map((c: Data) => c.key).sort()).toEqual(['filmmaker', 'illustrator']);
    const search = await gql(user, '{ catalog(search: "csv") { key } }');
    expect(search.catalog.map((c: Data) => c.key)).toContain('analyst');
  });
});

describe('hiring and dismissing', () => {
  it('hires once, re-hiring returns the same teammate, dismissing keeps it, hiring again restores it', async () => {
    const owner = await signUpUser(server, 'Hirer');
    const hired = (await gql(owner, HIRE, { key: 'researcher' })).hireTeammate;
    expect(hired).toMatchObject({ __typename: 'Teammate', handle: 'researcher', status: 'HIRED', isCustom: false, catalogKey: 'researcher' });
    expect((await gql(owner, HIRE, { key: 'researcher' })).hireTeammate.id).toBe(hired.id);

    expect((await gql(owner, DISMISS, { id: hired.id })).dismissTeammate).toEqual({ __typename: 'Teammate', id: hired.id, status: 'DISMISSED' });
    const listed = await gql(owner, '{ hired: teammates { edges { node { handle } } } dismissed: teammates(status: DISMISSED) { edges { node { handle } } } }');
    expect(listed.hired.edges.map((e: Data) => e.node.handle)).toEqual(['starter']);
    expect(listed.dismissed.edges.map((e: Data) => e.node.handle)).toEqual(['researcher']);
    expect((await gql(owner, '{ teammate(id: "' + hired.id + '") { name status } }')).teammate.status).toBe('DISMISSED');

    const back = (await gql(owner, HIRE, { key: 'researcher' })).hireTeammate;
    expect(back).toMatchObject({ id: hired.id, status: 'HIRED' });
  });

  it('refuses an unknown catalog key', async () => {
    const owner = await signUpUser(server, 'Unknown');
    expect((await gql(owner, HIRE, { key: 'nobody' })).hireTeammate.__typename).toBe('NotFoundError');
  });

  it('only owners and admins change the team', async () => {
    const owner = await signUpUser(server, 'Boss');
    const member = await signUpUser(server, 'Crew');
    const org = (await gql(owner, 'mutation { createOrg(input: { name: "Crew Org" }) { ... on OrgPayload { org { id } } } }')).createOrg.org.id;
    const invite = await server.gql<Data>(
      'mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }',
      { e: member.email },
      { token: owner.token, headers: { 'x-tmates-org': org } },
    );
    await gql(member, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.data!.inviteMember.token });
    const asMember = await server.gql<Data>(HIRE, { key: 'writer' }, { token: member.token, headers: { 'x-tmates-org': org } });
    expect(asMember.data!.hireTeammate.__typename).toBe('ForbiddenError');
    const create = await server.gql<Data>(CREATE, { input: persona }, { token: member.token, headers: { 'x-tmates-org': org } });
    expect(create.data!.createTeammate.__typename).toBe('ForbiddenError');
  });
});

describe('self-made teammates', () => {
  it('creates one with defaults and a unique handle', async () => {
    const owner = await signUpUser(server, 'Maker');
    const first = (await gql(owner, CREATE, { input: { ...persona, tools: ['pinboard_post'], emoji: '🚀', color: '#112233' } })).createTeammate;
    expect(first).toMatchObject({
      __typename: 'Teammate',
      handle: 'max',
      isCustom: true,
      catalogKey: null,
      model: null,
      tools: ['remember', 'recall', 'thread_history', 'pinboard_post'],
      appearance: { emoji: '🚀', color: '#112233' },
    });
    const second = (await gql(owner, CREATE, { input: { ...persona, model: 'gpt-4o-mini' } })).createTeammate;
    expect(second).toMatchObject({ handle: 'max-2', model: 'gpt-4o-mini', appearance: { emoji: '🙂' } });
  });

  it('names every invalid field', async () => {
    const owner = await signUpUser(server, 'Strict');
    const result = (
      await gql(owner, CREATE, {
        input: {
          name: '',
          role: 'x'.repeat(81),
          personality: 'Fine.',
          instructions: '   ',
          model: 'my-local-llama',
          tools: ['remember', 'launch_rockets'],
          color: 'red',
        },
      })
    ).createTeammate;
    expect(result.__typename).toBe('ValidationError');
    const fields = Object.fromEntries(result.issues.map((i: Data) => [i.field, i.message]));
    expect(Object.keys(fields).sort()).toEqual(['color', 'instructions', 'model', 'name', 'role', 'tools']);
    expect(fields.tools).toContain('launch_rockets');
    expect(fields.model).toContain('OPENAI_BASE_URL');
    const { teammates } = await gql(owner, '{ teammates { edges { node { handle } } } }');
    expect(teammates.edges).toHaveLength(1); // just the starter: nothing was created
  });

  it('accepts any model name when a custom OpenAI-compatible provider is configured', async () => {
    const owner = await signUpUser(custom, 'Llama');
    const result = (await gql(owner, CREATE, { input: { ...persona, model: 'llama3.1:8b' } }, custom)).createTeammate;
    expect(result).toMatchObject({ __typename: 'Teammate', model: 'llama3.1:8b' });
  });

  it('updates a self-made teammate, but not a catalog one', async () => {
    const owner = await signUpUser(server, 'Editor');
    const made = (await gql(owner, CREATE, { input: persona })).createTeammate;
    const updated = (await gql(owner, UPDATE, { input: { teammateId: made.id, role: 'Release captain', color: '#ABCDEF' } })).updateTeammate;
    expect(updated).toMatchObject({ role: 'Release captain', name: 'Max', appearance: { color: '#ABCDEF', emoji: '🙂' } });
    const bad = (await gql(owner, UPDATE, { input: { teammateId: made.id, name: '' } })).updateTeammate;
    expect(bad.__typename).toBe('ValidationError');

    const starter = (await gql(owner, '{ teammates { edges { node { id catalogKey } } } }')).teammates.edges
      .map((e: Data) => e.node)
      .find((t: Data) => t.catalogKey === 'starter');
    expect((await gql(owner, UPDATE, { input: { teammateId: starter.id, name: 'Renamed' } })).updateTeammate.__typename).toBe('ForbiddenError');
  });
});

describe('memories', () => {
  const ADD = `mutation($id: ID!, $c: String!) { addMemory(input: { teammateId: $id, content: $c }) { __typename ... on Memory { id content scope createdBy { displayName } teammate { handle } } ... on Error { message } } }`;
  const EDIT = `mutation($id: ID!, $c: String!) { updateMemory(input: { memoryId: $id, content: $c }) { __typename ... on Memory { content } ... on Error { message } } }`;
  const DELETE = `mutation($id: ID!) { deleteMemory(input: { memoryId: $id }) { __typename ... on DeleteMemoryPayload { memoryId } ... on Error { message } } }`;

  it('are inspectable: view, add, edit and delete', async () => {
    const owner = await signUpUser(server, 'Memo');
    const made = (await gql(owner, CREATE, { input: persona })).createTeammate;
    const first = (await gql(owner, ADD, { id: made.id, c: 'Releases go out on Tuesdays.' })).addMemory;
    expect(first).toMatchObject({ content: 'Releases go out on Tuesdays.', scope: 'TEAMMATE', createdBy: { displayName: 'Memo' }, teammate: { handle: 'max' } });
    await gql(owner, ADD, { id: made.id, c: 'Ada owns the changelog.' });
    expect((await gql(owner, EDIT, { id: first.id, c: 'Releases go out on Wednesdays.' })).updateMemory.content).toBe('Releases go out on Wednesdays.');
    expect((await gql(owner, ADD, { id: made.id, c: '  ' })).addMemory.__typename).toBe('ValidationError');
    expect((await gql(owner, DELETE, { id: first.id })).deleteMemory).toEqual({ __typename: 'DeleteMemoryPayload', memoryId: first.id });
    const { teammate } = await gql(owner, 'query($id: ID!) { teammate(id: $id) { memories { edges { node { content } } } } }', { id: made.id });
    expect(teammate.memories.edges.map((e: Data) => e.node.content)).toEqual(['Ada owns the changelog.']);
  });

  it('another organisation cannot see or touch a teammate or its memories', async () => {
    const owner = await signUpUser(server, 'Private');
    const other = await signUpUser(server, 'Other');
    const made = (await gql(owner, CREATE, { input: persona })).createTeammate;
    const memory = (await gql(owner, ADD, { id: made.id, c: 'The launch code is 1234.' })).addMemory;

    expect(await gql(other, 'query($id: ID!) { teammate(id: $id) { name } }', { id: made.id })).toEqual({ teammate: null });
    expect(await gql(other, 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [made.id, memory.id] })).toEqual({ nodes: [null, null] });
    expect((await gql(other, ADD, { id: made.id, c: 'mine now' })).addMemory.__typename).toBe('NotFoundError');
    expect((await gql(other, EDIT, { id: memory.id, c: 'changed' })).updateMemory.__typename).toBe('NotFoundError');
    expect((await gql(other, DELETE, { id: memory.id })).deleteMemory.__typename).toBe('NotFoundError');
    expect((await gql(other, DISMISS, { id: made.id })).dismissTeammate.__typename).toBe('NotFoundError');
    expect((await gql(other, UPDATE, { input: { teammateId: made.id, name: 'Pwned' } })).updateTeammate.__typename).toBe('NotFoundError');
    const { teammates } = await gql(other, '{ teammates(status: null) { edges { node { id } } } }');
    expect(teammates.edges.map((e: Data) => e.node.id)).not.toContain(made.id);

    const still = await gql(owner, 'query($id: ID!) { teammate(id: $id) { name status memories { edges { node { content } } } } }', { id: made.id });
    expect(still.teammate).toEqual({ name: 'Max', status: 'HIRED', memories: { edges: [{ node: { content: 'The launch code is 1234.' } }] } });
  });
});

describe('export and import', () => {
  it('moves a teammate with its memories between organisations as a JSON document', async () => {
    const from = await signUpUser(server, 'Exporter');
    const to = await signUpUser(server, 'Importer');
    const made = (await gql(from, CREATE, { input: { ...persona, tools: ['pinboard_post'], emoji: '📦', color: '#0F0F0F' } })).createTeammate;
    await gql(from, 'mutation($id: ID!) { addMemory(input: { teammateId: $id, content: "Freeze on Fridays." }) { __typename } }', { id: made.id });
    const { teammate } = await gql(from, 'query($id: ID!) { teammate(id: $id) { exportDocument } }', { id: made.id });
    const document = JSON.parse(JSON.stringify(teammate.exportDocument));
    expect(document).toMatchObject({ format: 'tmates.teammate', version: 1, memories: [{ content: 'Freeze on Fridays.' }] });

    const imported = (
      await gql(to, `mutation($d: JSON!) { importTeammate(input: { document: $d }) { __typename ... on Teammate { ${TEAMMATE_FIELDS} personality memories { edges { node { content } } } } ... on Error { message } } }`, { d: document })
    ).importTeammate;
    expect(imported).toMatchObject({
      __typename: 'Teammate',
      name: 'Max',
      role: 'Release manager',
      personality: persona.personality,
      tools: ['remember', 'recall', 'thread_history', 'pinboard_post'],
      appearance: { emoji: '📦', color: '#0F0F0F' },
      isCustom: true,
      memories: { edges: [{ node: { content: 'Freeze on Fridays.' } }] },
    });
    expect(imported.id).not.toBe(made.id);

    const broken = (await gql(to, 'mutation($d: JSON!) { importTeammate(input: { document: $d }) { __typename ... on ValidationError { issues { field } } } }', { d: { format: 'something-else', teammate: {} } })).importTeammate;
    expect(broken.__typename).toBe('ValidationError');
    expect(broken.issues.map((i: Data) => i.field)).toEqual(expect.arrayContaining(['format', 'version', 'teammate.name']));
  });
});

describe('batching', () => {
  it('listing teammates with their memories costs the same number of queries for 5 teammates as for 50', async () => {
    async function teamOf(size: number) {
      const owner = await signUpUser(server, `Batch${size}`);
      for (let i = 0; i < size - 1; i += 1) {
        const made = (await gql(owner, CREATE, { input: { ...persona, name: `Bot ${i}` } })).createTeammate;
        await gql(owner, 'mutation($id: ID!) { addMemory(input: { teammateId: $id, content: "note" }) { __typename } }', { id: made.id });
      }
      return owner;
    }
    const query = '{ teammates(first: 100) { edges { node { handle createdBy { displayName } memories { edges { node { content createdBy { email } } } } } } } }';
    async function count(owner: TestUser, expected: number) {
      const { result, queries } = await counter.count(() => gql(owner, query));
      expect(result.teammates.edges).toHaveLength(expected);
      return queries;
    }
    const small = await count(await teamOf(5), 5);
    const large = await count(await teamOf(50), 50);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(8);
  });
});
