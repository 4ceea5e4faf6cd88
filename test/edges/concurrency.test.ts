import { describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { directThreadOf } from '../helpers/agents.ts';
import { useTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
useTestServer({}, (s) => (server = s));

type Data = Record<string, any>;
async function gql(user: TestUser, query: string, variables: Data = {}): Promise<Data> {
  const result = await server.gql<Data>(query, variables, { token: user.token });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!;
}
const CONFLICT = '... on ConflictError { message currentRevision currentUpdatedAt }';

/**
 * One shared document: how to read it (with `revision`) and how to edit one field of it from a
 * copy at `expectedRevision` (or none).
 */
interface Doc {
  name: string;
  setup(user: TestUser): Promise<{ read: () => Promise<{ revision: number; value: string }>; edit: (value: string, expectedRevision?: number) => Promise<Data> }>;
}

const docs: Doc[] = [
  {
    name: 'pinboard post',
    async setup(user) {
      const { createPinboardPost: post } = await gql(user, 'mutation { createPinboardPost(input: { title: "Launch", body: "Friday" }) { ... on PinboardPost { id revision } } }');
      expect(post.revision).toBe(1);
      return {
        read: async () => {
          const { node } = await gql(user, 'query($id: ID!) { node(id: $id) { ... on PinboardPost { revision body } } }', { id: post.id });
          return { revision: node.revision, value: node.body };
        },
        edit: async (value, expectedRevision) =>
          (await gql(user, `mutation($input: UpdatePinboardPostInput!) { updatePinboardPost(input: $input) { __typename ... on PinboardPost { revision } ${CONFLICT} } }`, { input: { id: post.id, body: value, expectedRevision } })).updatePinboardPost,
      };
    },
  },
  {
    name: 'teammate',
    async setup(user) {
      const { createTeammate: mate } = await gql(
        user,
        'mutation { createTeammate(input: { name: "Ada Bot", role: "Release manager", personality: "Calm and methodical, keeps a checklist for everything.", instructions: "Coordinate releases: checklists, dates and owners." }) { ... on Teammate { id revision } } }',
      );
      return {
        read: async () => {
          const { node } = await gql(user, 'query($id: ID!) { node(id: $id) { ... on Teammate { revision role } } }', { id: mate.id });
          return { revision: node.revision, value: node.role };
        },
        edit: async (value, expectedRevision) =>
          (await gql(user, `mutation($input: UpdateTeammateInput!) { updateTeammate(input: $input) { __typename ... on Teammate { revision } ${CONFLICT} } }`, { input: { teammateId: mate.id, role: value, expectedRevision } })).updateTeammate,
      };
    },
  },
  {
    name: 'memory',
    async setup(user) {
      const { teammates } = await gql(user, '{ teammates { edges { node { id } } } }');
      const { addMemory: note } = await gql(user, 'mutation($t: ID!) { addMemory(input: { teammateId: $t, content: "Likes tea" }) { ... on Memory { id revision } } }', { t: teammates.edges[0].node.id });
      return {
        read: async () => {
          const { node } = await gql(user, 'query($id: ID!) { node(id: $id) { ... on Memory { revision content } } }', { id: note.id });
          return { revision: node.revision, value: node.content };
        },
        edit: async (value, expectedRevision) =>
          (await gql(user, `mutation($input: UpdateMemoryInput!) { updateMemory(input: $input) { __typename ... on Memory { revision } ${CONFLICT} } }`, { input: { memoryId: note.id, content: value, expectedRevision } })).updateMemory,
      };
    },
  },
  {
    name: 'thread title',
    async setup(user) {
      const thread = await directThreadOf(server, user);
      return {
        read: async () => {
          const { node } = await gql(user, 'query($id: ID!) { node(id: $id) { ... on Thread { revision title } } }', { id: thread });
          return { revision: node.revision, value: node.title };
        },
        edit: async (value, expectedRevision) =>
          (await gql(user, `mutation($input: UpdateThreadInput!) { updateThread(input: $input) { __typename ... on Thread { revision } ${CONFLICT} } }`, { input: { threadId: thread, title: value, expectedRevision } })).updateThread,
      };
    },
  },
  {
    name: 'organisation settings',
    async setup(user) {
      return {
        read: async () => {
          const { viewer } = await gql(user, '{ viewer { currentOrg { revision name } } }');
          return { revision: viewer.currentOrg.revision, value: viewer.currentOrg.name };
        },
        edit: async (value, expectedRevision) => {
          const result = (await gql(user, `mutation($input: UpdateSettingsInput!) { updateSettings(input: $input) { __typename ... on UpdateSettingsPayload { org { revision } } ${CONFLICT} } }`, { input: { org: { name: value, expectedRevision } } })).updateSettings;
          return result.__typename === 'UpdateSettingsPayload' ? { __typename: 'ok', revision: result.org.revision } : result;
        },
      };
    },
  },
];

describe('optimistic concurrency for shared documents', () => {
  it.each(docs)('$name: an edit from an older copy gets a ConflictError with the current version; the newer edit survives', async (doc) => {
    const user = await signUpUser(server, `Editor ${doc.name}`);
    const { read, edit } = await doc.setup(user);
    const copy = await read(); // both people open the same version
    const first = await edit('First save', copy.revision);
    expect(first.revision).toBe(copy.revision + 1);
    const second = await edit('Second save from the old copy', copy.revision);
    expect(second).toMatchObject({ __typename: 'ConflictError', currentRevision: copy.revision + 1, currentUpdatedAt: expect.any(String) });
    expect(second.message).toContain(`revision ${copy.revision + 1}`);
    expect(await read()).toEqual({ revision: copy.revision + 1, value: 'First save' });
    // After merging, the current revision is accepted; without one, the edit applies as before.
    expect((await edit('Merged', second.currentRevision)).revision).toBe(copy.revision + 2);
    expect((await edit('Overwritten')).revision).toBe(copy.revision + 3);
    expect((await edit('Overwritten')).revision).toBe(copy.revision + 3); // no change, no new revision
    expect(await edit('x', 0)).toMatchObject({ __typename: expect.stringMatching(/ValidationError|ConflictError/) });
  });

  it('another organisation cannot read or use a post’s revision', async () => {
    const owner = await signUpUser(server, 'Owner');
    const other = await signUpUser(server, 'Other');
    const { createPinboardPost: post } = await gql(owner, 'mutation { createPinboardPost(input: { title: "Secret", body: "x" }) { ... on PinboardPost { id revision } } }');
    expect((await gql(other, 'query($id: ID!) { node(id: $id) { ... on PinboardPost { revision } } }', { id: post.id })).node).toBeNull();
    const attempt = (await gql(other, 'mutation($id: ID!) { updatePinboardPost(input: { id: $id, body: "y", expectedRevision: 1 }) { __typename } }', { id: post.id })).updatePinboardPost;
    expect(attempt.__typename).toBe('NotFoundError');
  });
});
