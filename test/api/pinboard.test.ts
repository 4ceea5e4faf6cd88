import { randomUUID } from 'node:crypto';
import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import { beforeAll, describe, expect, it } from 'vitest';
import { pinboardPostTool, pinboardSearchTool } from '../../src/agents/tools/pinboard-tools.ts';
import { ToolError } from '../../src/agents/tools/types.ts';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { queryCounter, type TestServer, useTestServer } from '../helpers/server.ts';
import { collect, type Collected } from '../helpers/subscriptions.ts';
import { toolContextFor } from '../helpers/tool-context.ts';
import { gqlOn, waitFor, type Data } from '../helpers/kit.ts';

let server: TestServer;
const counter = queryCounter();
useTestServer({ onQuery: counter.onQuery }, (s) => (server = s));

const gql = gqlOn(() => server);

const POST = `id title slug body excerpt priority pinned tags commentCount viewerCanEdit viewerCanDelete createdAt updatedAt
  authorKind author { __typename ... on User { displayName } ... on Teammate { name } } authorUser { displayName } authorTeammate { name }`;
const RESULT = `__typename ... on PinboardPost { ${POST} } ... on ValidationError { issues { field message } } ... on Error { message }`;
const CREATE = `mutation($input: CreatePinboardPostInput!) { createPinboardPost(input: $input) { ${RESULT} } }`;
const UPDATE = `mutation($input: UpdatePinboardPostInput!) { updatePinboardPost(input: $input) { ${RESULT} } }`;
const DELETE = `mutation($id: ID!) { deletePinboardPost(input: { id: $id }) { __typename ... on DeletePinboardPostPayload { postId slug } ... on Error { message } } }`;
const COMMENT = `mutation($postId: ID!, $body: String!) { addPinboardComment(input: { postId: $postId, body: $body }) {
  __typename ... on AddPinboardCommentPayload { comment { id body authorKind author { ... on User { displayName } } } post { commentCount } }
  ... on ValidationError { issues { field message } } ... on Error { message } } }`;
const LIST = `query($first: Int, $after: String, $search: String, $tag: String, $priority: PinboardPriority, $pinned: Boolean) {
  pinboard(first: $first, after: $after, search: $search, tag: $tag, priority: $priority, pinned: $pinned) {
    pageInfo { hasNextPage endCursor } edges { cursor node { id title slug pinned } } } }`;
const BY = `query($id: ID, $slug: String) { pinboardPost(id: $id, slug: $slug) { id title slug } }`;

async function post(user: TestUser, input: Data, org?: string): Promise<Data> {
  const result = (await gql(user, CREATE, { input }, org)).createPinboardPost;
  if (result.__typename !== 'PinboardPost') throw new Error(JSON.stringify(result));
  return result;
}

async function titles(user: TestUser, variables: Data = {}, org?: string): Promise<string[]> {
  return (await gql(user, LIST, variables, org)).pinboard.edges.map((e: Data) => e.node.title);
}

/** A team organisation with an owner, a plain member and a hired teammate (the team chat's lead). */
async function team(owner: string, member: string) {
  const a = await signUpUser(server, owner);
  const b = await signUpUser(server, member);
  const org = (await gql(a, 'mutation($n: String!) { createOrg(input: { name: $n }) { ... on OrgPayload { org { id } } } }', { n: `${owner}'s team` }))
    .createOrg.org.id;
  const invite = await gql(a, 'mutation($e: String!) { inviteMember(input: { email: $e }) { ... on InviteMemberPayload { token } } }', { e: b.email }, org);
  await gql(b, 'mutation($t: String!) { acceptInvitation(input: { token: $t }) { __typename } }', { t: invite.inviteMember.token });
  await gql(a, 'mutation { hireTeammate(input: { catalogKey: "writer" }) { __typename } }', {}, org);
  return { owner: a, member: b, org };
}

/** Starts a subscription and returns once the server is listening for its events. */
async function listen(start: () => Collected<Data>): Promise<Collected<Data>> {
  const before = server.app.services.bus.listenerCount();
  const sub = start();
  await waitFor(() => server.app.services.bus.listenerCount() > before || sub.errors.length > 0);
  return sub;
}

describe('posting and reading', () => {
  it('creates a post with a slug and a plain-text excerpt, and lists pinned posts first, then newest', async () => {
    const ada = await signUpUser(server, 'Ada');
    const created = await post(ada, {
      title: 'Café launch: the plan!',
      body: '# Plan\n\nWe launch on **Monday** with [the brief](https://example.com/brief).\n\n- item one\n- item `two`',
      priority: 'HIGH',
      tags: ['#Launch', 'launch', 'Q3'],
    });
    expect(created).toMatchObject({
      slug: 'cafe-launch-the-plan',
      excerpt: 'Plan We launch on Monday with the brief. item one item two',
      priority: 'HIGH',
      pinned: false,
      tags: ['launch', 'q3'],
      authorKind: 'USER',
      author: { __typename: 'User', displayName: 'Ada' },
      authorUser: { displayName: 'Ada' },
      authorTeammate: null,
      commentCount: 0,
      viewerCanEdit: true,
      viewerCanDelete: true,
    });
    const long = await post(ada, { title: '  Long\n read ', body: `${'word '.repeat(200)}end` });
    expect(long.excerpt.length).toBeLessThanOrEqual(280);
    expect(long.excerpt).toMatch(/^word word .* word…$/);
    await post(ada, { title: 'Pinned rules', body: 'Be kind.', pinned: true });
    expect(long.priority).toBe('NORMAL');
    expect(await titles(ada)).toEqual(['Pinned rules', 'Long read', 'Café launch: the plan!']);
  });

  it('fetches one post by slug or by id (also through node); null when there is none', async () => {
    const ada = await signUpUser(server, 'Finder');
    const created = await post(ada, { title: 'Where things are', body: 'In the cupboard.' });
    expect((await gql(ada, BY, { slug: 'where-things-are' })).pinboardPost).toEqual({ id: created.id, title: 'Where things are', slug: 'where-things-are' });
    expect((await gql(ada, BY, { slug: ' Where-Things-Are ' })).pinboardPost?.id).toBe(created.id);
    expect((await gql(ada, BY, { id: created.id })).pinboardPost?.slug).toBe('where-things-are');
    expect((await gql(ada, 'query($id: ID!) { node(id: $id) { ... on PinboardPost { slug } } }', { id: created.id })).node).toEqual({ slug: 'where-things-are' });
    expect((await gql(ada, BY, { slug: 'nowhere' })).pinboardPost).toBeNull();
    expect((await gql(ada, BY, { id: encodeGlobalID('PinboardPost', randomUUID()) })).pinboardPost).toBeNull();
    for (const variables of [{}, { id: created.id, slug: 'where-things-are' }]) {
      const both = await server.gql(BY, variables, { token: ada.token });
      expect(both.errors?.[0]).toMatchObject({ message: 'Give exactly one of `id` and `slug`', extensions: { code: 'BAD_USER_INPUT' } });
    }
  });

  it('searches titles, tags and bodies (stemmed), ranking a title match above a body match', async () => {
    const ada = await signUpUser(server, 'Searcher');
    await post(ada, { title: 'Kubernetes migration', body: 'Moving the cluster next week.' });
    await post(ada, { title: 'Weekly notes', body: 'We talked about the Kubernetes upgrade and lunch.' });
    await post(ada, { title: 'Pinned, unrelated', body: 'Nothing to see here.', pinned: true });
    await post(ada, { title: 'Release', body: 'Ship it.', tags: ['deployment'] });
    // The body match is newer and there is a pinned post, yet the title match comes first.
    expect(await titles(ada, { search: 'kubernetes' })).toEqual(['Kubernetes migration', 'Weekly notes']);
    expect(await titles(ada, { search: 'lunch' })).toEqual(['Weekly notes']);
    expect(await titles(ada, { search: 'moved clusters' })).toEqual(['Kubernetes migration']);
    expect(await titles(ada, { search: 'deployment' })).toEqual(['Release']);
    expect(await titles(ada, { search: '"kubernetes upgrade" -migration' })).toEqual(['Weekly notes']);
    expect(await titles(ada, { search: 'nothing-like-this' })).toEqual([]);
    const tooLong = await server.gql(LIST, { search: 'x'.repeat(201) }, { token: ada.token });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('filters by tag, priority and pinned, and pages through every post exactly once', async () => {
    const ada = await signUpUser(server, 'Filter');
    const specs = [
      { title: 'A', priority: 'LOW', tags: ['ops'] },
      { title: 'B', priority: 'URGENT', tags: ['ops', 'incident'], pinned: true },
      { title: 'C', priority: 'URGENT', tags: [] },
      { title: 'D', priority: 'NORMAL', tags: ['Incident'] },
      { title: 'E', priority: 'HIGH', tags: ['ops'], pinned: true },
      { title: 'F', priority: 'NORMAL', tags: [] },
    ];
    for (const spec of specs) await post(ada, { ...spec, body: `Post ${spec.title} about the ops incident.` });
    expect(await titles(ada, { tag: '#OPS' })).toEqual(['E', 'B', 'A']);
    expect(await titles(ada, { priority: 'URGENT' })).toEqual(['B', 'C']);
    expect(await titles(ada, { pinned: false, tag: 'incident' })).toEqual(['D']);
    expect(await titles(ada, { tag: 'no such tag!' })).toEqual([]);
    for (const search of [undefined, 'incident']) {
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = (await gql(ada, LIST, { first: 2, after, search })).pinboard;
        seen.push(...page.edges.map((e: Data) => e.node.title));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(await titles(ada, { search }));
      expect(seen.sort()).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    }
    const newestLast = await gql(ada, 'query($before: String) { pinboard(last: 2, before: $before) { pageInfo { startCursor } edges { node { title } } } }');
    expect(newestLast.pinboard.edges.map((e: Data) => e.node.title)).toEqual(['C', 'A']);
    const before = newestLast.pinboard.pageInfo.startCursor;
    const previous = await gql(ada, 'query($before: String) { pinboard(last: 2, before: $before) { edges { node { title } } } }', { before });
    expect(previous.pinboard.edges.map((e: Data) => e.node.title)).toEqual(['F', 'D']);
    const bad = await server.gql(LIST, { after: 'not-a-cursor' }, { token: ada.token });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('gives twenty concurrent posts with the same title twenty distinct slugs, without an error', async () => {
    const ada = await signUpUser(server, 'Rush');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => gql(ada, CREATE, { input: { title: 'Stand-up notes', body: `take ${i}` } })));
    const slugs = results.map((r) => r.createPinboardPost.slug as string);
    expect(results.every((r) => r.createPinboardPost.__typename === 'PinboardPost')).toBe(true);
    expect(new Set(slugs)).toEqual(new Set(['stand-up-notes', ...Array.from({ length: 19 }, (_, i) => `stand-up-notes-${i + 2}`)]));
    // A title whose own slug is already taken by that series continues with its own suffixes.
    expect((await post(ada, { title: 'Stand-up notes 2', body: 'x' })).slug).toBe('stand-up-notes-2-2');
    expect((await post(ada, { title: '🚀', body: 'x' })).slug).toBe('post');
  });
});

describe('editing, deleting, commenting', () => {
  it('keeps every edit as a revision, recomputes the excerpt, keeps the slug; an edit that changes nothing stores nothing', async () => {
    const ada = await signUpUser(server, 'Editor');
    const created = await post(ada, { title: 'Draft', body: 'First *version*.', tags: ['draft'] });
    const edited = (await gql(ada, UPDATE, { input: { id: created.id, title: 'Final', body: 'Second **version**.', priority: 'URGENT' } })).updatePinboardPost;
    expect(edited).toMatchObject({ title: 'Final', slug: 'draft', excerpt: 'Second version.', priority: 'URGENT', tags: ['draft'] });
    await gql(ada, UPDATE, { input: { id: created.id, pinned: true, tags: null } });
    const unchanged = (await gql(ada, UPDATE, { input: { id: created.id, title: 'Final', pinned: true } })).updatePinboardPost;
    expect(unchanged).toMatchObject({ title: 'Final', pinned: true, tags: [] });
    const { pinboardPost } = await gql(
      ada,
      `query($id: ID) { pinboardPost(id: $id) { body revisions { edges { node { title body priority pinned tags editorKind editor { ... on User { displayName } } editorUser { displayName } editedAt } } } } }`,
      { id: created.id },
    );
    expect(pinboardPost.body).toBe('Second **version**.');
    expect(pinboardPost.revisions.edges.map((e: Data) => e.node)).toEqual([
      expect.objectContaining({ title: 'Final', body: 'Second **version**.', priority: 'URGENT', pinned: false, tags: ['draft'], editorKind: 'USER' }),
      expect.objectContaining({ title: 'Draft', body: 'First *version*.', priority: 'NORMAL', pinned: false, tags: ['draft'], editor: { displayName: 'Editor' } }),
    ]);
    expect((await gql(ada, BY, { slug: 'draft' })).pinboardPost.title).toBe('Final');
  });

  it('comments, oldest first, counted on the post; deleting a post removes it, its comments and its history', async () => {
    const ada = await signUpUser(server, 'Commenter');
    const created = await post(ada, { title: 'Discuss', body: 'Thoughts?' });
    const first = (await gql(ada, COMMENT, { postId: created.id, body: ' Looks good ' })).addPinboardComment;
    expect(first).toMatchObject({ __typename: 'AddPinboardCommentPayload', comment: { body: 'Looks good', authorKind: 'USER', author: { displayName: 'Commenter' } }, post: { commentCount: 1 } });
    await gql(ada, COMMENT, { postId: created.id, body: 'Second thought' });
    const { pinboardPost } = await gql(ada, 'query($id: ID) { pinboardPost(id: $id) { commentCount comments(first: 10) { edges { node { body post { id } } } } } }', { id: created.id });
    expect(pinboardPost.commentCount).toBe(2);
    expect(pinboardPost.comments.edges.map((e: Data) => e.node.body)).toEqual(['Looks good', 'Second thought']);
    expect((await gql(ada, 'query($id: ID!) { node(id: $id) { ... on PinboardComment { body } } }', { id: first.comment.id })).node).toEqual({ body: 'Looks good' });
    await gql(ada, UPDATE, { input: { id: created.id, body: 'Thoughts, please?' } });

    expect((await gql(ada, DELETE, { id: created.id })).deletePinboardPost).toEqual({ __typename: 'DeletePinboardPostPayload', postId: created.id, slug: 'discuss' });
    expect((await gql(ada, BY, { id: created.id })).pinboardPost).toBeNull();
    expect((await gql(ada, 'query($id: ID!) { node(id: $id) { id } }', { id: first.comment.id })).node).toBeNull();
    const { db } = server.app.services;
    const left = await db.selectFrom('pinboard_post_revisions').select('id').where('post_id', '=', decodeGlobalID(created.id).id).execute();
    expect(left).toEqual([]);
    expect((await gql(ada, DELETE, { id: created.id })).deletePinboardPost.__typename).toBe('NotFoundError');
    expect((await gql(ada, COMMENT, { postId: created.id, body: 'too late' })).addPinboardComment.__typename).toBe('NotFoundError');
  });

  it('refuses invalid input with typed errors naming each field, and stores nothing', async () => {
    const ada = await signUpUser(server, 'Strict');
    const kept = await post(ada, { title: 'Kept', body: 'As it was.' });
    const cases: Array<[Data, string[]]> = [
      [{ title: '  ', body: 'x' }, ['title']],
      [{ title: 'x'.repeat(201), body: 'x' }, ['title']],
      [{ title: 'Body', body: ' \n ' }, ['body']],
      [{ title: 'Body', body: 'x'.repeat(50_001) }, ['body']],
      [{ title: 'Tags', body: 'x', tags: ['no spaces allowed', 'x'.repeat(33), 'ok'] }, ['tags.0', 'tags.1']],
      [{ title: 'Tags', body: 'x', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, ['tags']],
    ];
    for (const [input, fields] of cases) {
      const result = (await gql(ada, CREATE, { input })).createPinboardPost;
      expect(result.__typename).toBe('ValidationError');
      expect(result.issues.map((i: Data) => i.field)).toEqual(fields);
    }
    const badEdit = (await gql(ada, UPDATE, { input: { id: kept.id, title: null, body: '', tags: ['#'] } })).updatePinboardPost;
    expect(badEdit).toMatchObject({
      __typename: 'ValidationError',
      issues: [
        { field: 'title', message: 'cannot be cleared' },
        { field: 'body', message: 'must not be empty' },
        { field: 'tags.0', message: expect.stringContaining('letters, digits') },
      ],
    });
    const badComment = (await gql(ada, COMMENT, { postId: kept.id, body: '   ' })).addPinboardComment;
    expect(badComment).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'body', message: 'must not be empty' }] });
    const { pinboard } = await gql(ada, '{ pinboard { edges { node { title body commentCount revisions { edges { node { title } } } } } } }');
    expect(pinboard.edges.map((e: Data) => e.node)).toEqual([{ title: 'Kept', body: 'As it was.', commentCount: 0, revisions: { edges: [] } }]);
  });
});

describe('who may change what', () => {
  it('a member edits and deletes their own posts and teammates’ posts they asked for, not an owner’s; owners change anything', async () => {
    const { owner, member, org } = await team('Olga', 'Mo');
    const ownerPost = await post(owner, { title: 'House rules', body: 'By the owner.' }, org);
    const seenByMember = (await gql(member, `query($id: ID) { pinboardPost(id: $id) { viewerCanEdit viewerCanDelete } }`, { id: ownerPost.id }, org)).pinboardPost;
    expect(seenByMember).toEqual({ viewerCanEdit: false, viewerCanDelete: false });
    expect((await gql(member, UPDATE, { input: { id: ownerPost.id, title: 'Mine now' } }, org)).updatePinboardPost.__typename).toBe('ForbiddenError');
    expect((await gql(member, DELETE, { id: ownerPost.id }, org)).deletePinboardPost.__typename).toBe('ForbiddenError');
    expect((await gql(member, COMMENT, { postId: ownerPost.id, body: 'Noted.' }, org)).addPinboardComment.__typename).toBe('AddPinboardCommentPayload');
    expect((await gql(owner, BY, { id: ownerPost.id }, org)).pinboardPost.title).toBe('House rules');

    const memberPost = await post(member, { title: 'My idea', body: 'By the member.' }, org);
    expect(memberPost).toMatchObject({ viewerCanEdit: true, viewerCanDelete: true });
    expect((await gql(owner, UPDATE, { input: { id: memberPost.id, priority: 'LOW' } }, org)).updatePinboardPost.priority).toBe('LOW');

    // A teammate's post is the team's: anyone edits it; the person who asked for it (or an admin) deletes it.
    const askedByMember = await pinboardPostTool.run({ title: 'Summary for Mo', body: 'Done.' }, await toolContextFor(server, member, { org }));
    const askedByOwner = await pinboardPostTool.run({ title: 'Summary for Olga', body: 'Done.' }, await toolContextFor(server, owner, { org }));
    const ids = [askedByMember.data, askedByOwner.data].map((d) => (d as { id: string }).id);
    const rights = await gql(member, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on PinboardPost { viewerCanEdit viewerCanDelete createdBy { displayName } } } }`, { ids }, org);
    expect(rights.nodes).toEqual([
      { viewerCanEdit: true, viewerCanDelete: true, createdBy: { displayName: 'Mo' } },
      { viewerCanEdit: true, viewerCanDelete: false, createdBy: { displayName: 'Olga' } },
    ]);
    expect((await gql(member, UPDATE, { input: { id: ids[1], body: 'Done, and checked.' } }, org)).updatePinboardPost.__typename).toBe('PinboardPost');
    expect((await gql(member, DELETE, { id: ids[1] }, org)).deletePinboardPost.__typename).toBe('ForbiddenError');
    expect((await gql(member, DELETE, { id: ids[0] }, org)).deletePinboardPost.__typename).toBe('DeletePinboardPostPayload');
    expect((await gql(owner, DELETE, { id: ownerPost.id }, org)).deletePinboardPost.__typename).toBe('DeletePinboardPostPayload');
    expect((await gql(owner, DELETE, { id: memberPost.id }, org)).deletePinboardPost.__typename).toBe('DeletePinboardPostPayload');
  });
});

describe('tenant isolation', () => {
  let ada: TestUser;
  let mallory: TestUser;
  let secret: Data;
  beforeAll(async () => {
    ada = await signUpUser(server, 'Insider');
    mallory = await signUpUser(server, 'Mallory');
    secret = await post(ada, { title: 'Acquisition target', body: 'Confidential: we buy Initech.', tags: ['secret'] });
    await gql(ada, COMMENT, { postId: secret.id, body: 'Keep it quiet.' });
  });

  it('another organisation sees nothing: not in lists or searches, not by id, slug or node', async () => {
    expect(await titles(mallory)).toEqual([]);
    expect(await titles(mallory, { search: 'Initech' })).toEqual([]);
    expect(await titles(mallory, { tag: 'secret' })).toEqual([]);
    expect((await gql(mallory, BY, { id: secret.id })).pinboardPost).toBeNull();
    expect((await gql(mallory, BY, { slug: secret.slug })).pinboardPost).toBeNull();
    expect((await gql(mallory, 'query($id: ID!) { node(id: $id) { id } }', { id: secret.id })).node).toBeNull();
    // Mallory's own post with the same title gets the same slug in her organisation: slugs are per org.
    expect((await post(mallory, { title: 'Acquisition target', body: 'Mine.' })).slug).toBe('acquisition-target');
    expect((await gql(mallory, BY, { slug: secret.slug })).pinboardPost.title).toBe('Acquisition target');
    expect((await gql(mallory, BY, { slug: secret.slug })).pinboardPost.id).not.toBe(secret.id);
  });

  it('another organisation can change nothing: the same NotFoundError as for a post that does not exist', async () => {
    const nowhere = encodeGlobalID('PinboardPost', randomUUID());
    const attempts: Array<[string, (id: string) => Data]> = [
      [UPDATE, (id) => ({ input: { id, title: 'Pwned' } })],
      [DELETE, (id) => ({ id })],
      [COMMENT, (id) => ({ postId: id, body: 'hi' })],
    ];
    for (const [mutation, variables] of attempts) {
      const theirs = Object.values(await gql(mallory, mutation, variables(secret.id)))[0];
      const missing = Object.values(await gql(mallory, mutation, variables(nowhere)))[0];
      expect(theirs).toEqual({ __typename: 'NotFoundError', message: 'PinboardPost not found' });
      expect(theirs).toEqual(missing);
    }
    const { pinboardPost } = await gql(ada, `query($id: ID) { pinboardPost(id: $id) { title commentCount revisions { edges { node { title } } } } }`, { id: secret.id });
    expect(pinboardPost).toEqual({ title: 'Acquisition target', commentCount: 1, revisions: { edges: [] } });
  });
});

describe('viewerEvents', () => {
  it('delivers every pinboard change to each member of the organisation, and to nobody else', async () => {
    const { owner, member, org } = await team('Pia', 'Quinn');
    const stranger = await signUpUser(server, 'Stranger');
    const EVENTS = `subscription { viewerEvents { __typename thread { id }
      ... on PinboardPostEvent { change postId post { title excerpt commentCount author { ... on User { displayName } } } comment { body } } } }`;
    const memberSub = await listen(() => collect(server.wsClient({ token: member.token, org }), EVENTS));
    const ownerSub = await listen(() => collect(server.wsClient({ token: owner.token, org }), EVENTS));
    const memberElsewhere = await listen(() => collect(server.wsClient({ token: member.token }), EVENTS)); // their personal org
    const strangerSub = await listen(() => collect(server.wsClient({ token: stranger.token }), EVENTS));

    const created = await post(owner, { title: 'Offsite', body: 'In **May**.' }, org);
    await gql(owner, UPDATE, { input: { id: created.id, body: 'In June.' } }, org);
    await gql(member, COMMENT, { postId: created.id, body: 'June works.' }, org);
    await gql(owner, DELETE, { id: created.id }, org);

    const events = (await memberSub.waitFor(4)).map((e) => e.viewerEvents);
    expect(events).toEqual([
      { __typename: 'PinboardPostEvent', thread: null, change: 'CREATED', postId: created.id, post: expect.objectContaining({ title: 'Offsite' }), comment: null },
      { __typename: 'PinboardPostEvent', thread: null, change: 'UPDATED', postId: created.id, post: expect.objectContaining({ excerpt: 'In June.', commentCount: 0 }), comment: null },
      { __typename: 'PinboardPostEvent', thread: null, change: 'COMMENTED', postId: created.id, post: expect.objectContaining({ commentCount: 1 }), comment: { body: 'June works.' } },
      { __typename: 'PinboardPostEvent', thread: null, change: 'DELETED', postId: created.id, post: null, comment: null },
    ]);
    expect(events[0].post.author).toEqual({ displayName: 'Pia' });
    expect((await ownerSub.waitFor(4)).map((e) => e.viewerEvents.change)).toEqual(['CREATED', 'UPDATED', 'COMMENTED', 'DELETED']);

    // A teammate's post carries the thread it was pinned from.
    const ctx = await toolContextFor(server, owner, { org, message: 'pin the agenda' });
    await pinboardPostTool.run({ title: 'Agenda', body: 'Talks, then lunch.' }, ctx);
    // Wait for that event itself (other viewer events may come first), not for a count of events.
    await memberSub.until((e) => e.viewerEvents.post?.title === 'Agenda', 'the pinned post event');
    const pinned = memberSub.events.map((e) => e.viewerEvents).filter((e) => e.__typename === 'PinboardPostEvent');
    expect(pinned.at(-1)).toMatchObject({ change: 'CREATED', thread: { id: encodeGlobalID('Thread', ctx.thread.id) }, post: { title: 'Agenda' } });

    await new Promise((r) => setTimeout(r, 300)); // nothing may reach the others
    const pinboardOnly = (sub: Collected<Data>) => sub.events.filter((e) => e.viewerEvents.__typename === 'PinboardPostEvent');
    expect(pinboardOnly(strangerSub)).toEqual([]);
    expect(pinboardOnly(memberElsewhere)).toEqual([]);
    for (const sub of [memberSub, ownerSub, memberElsewhere, strangerSub]) sub.stop();
  }, 60_000); // a ceiling for slow machines: every step waits for its event, none for a fixed time
});

describe('batching', () => {
  it('listing posts with authors, sources, counts and rights costs the same number of queries for 2 posts as for 12', async () => {
    const QUERY = `{ pinboard { edges { node { title commentCount viewerCanEdit author { __typename ... on User { displayName } ... on Teammate { name } }
      authorUser { displayName } authorTeammate { name } createdBy { displayName } sourceThread { title } sourceRun { status } } } } }`;
    const count = async (user: TestUser) => {
      const { result, queries } = await counter.count(() => server.gql<Data>(QUERY, {}, { token: user.token }));
      expect(result.errors).toBeUndefined();
      return { queries, posts: result.data!.pinboard.edges.length };
    };
    const fill = async (user: TestUser, n: number) => {
      for (let i = 0; i < n; i += 1) {
        if (i % 2) await pinboardPostTool.run({ title: `By a teammate ${i}`, body: 'x' }, await toolContextFor(server, user));
        else await post(user, { title: `By a person ${i}`, body: 'x' });
      }
    };
    const few = await signUpUser(server, 'Few');
    await fill(few, 2);
    const many = await signUpUser(server, 'Many');
    await fill(many, 12);
    const small = await count(few);
    const large = await count(many);
    expect([small.posts, large.posts]).toEqual([2, 12]);
    expect(large.queries).toBe(small.queries);
    expect(large.queries).toBeLessThanOrEqual(8);
  });
});

describe('teammate tools', () => {
  it('pinboard_post pins as the teammate, from its run and thread, with the same rules as the API', async () => {
    const ada = await signUpUser(server, 'Requester');
    const ctx = await toolContextFor(server, ada);
    const result = await pinboardPostTool.run({ title: 'Q3 launch plan', body: 'Ship on **Monday**.', priority: 'normal' as never, tags: ['Launch'] }, ctx);
    expect(result).toEqual({
      summary: 'Pinned "Q3 launch plan" (/q3-launch-plan)',
      data: { id: expect.any(String), slug: 'q3-launch-plan', title: 'Q3 launch plan' },
    });
    const again = await pinboardPostTool.run({ title: 'Q3 launch plan', body: 'Again.', priority: 'URGENT' as never }, ctx);
    expect(again.summary).toBe('Pinned "Q3 launch plan" (/q3-launch-plan-2)');
    const { pinboardPost } = await gql(
      ada,
      `query($id: ID) { pinboardPost(id: $id) { excerpt priority tags authorKind author { __typename ... on Teammate { name } } authorUser { id }
        authorTeammate { name } createdBy { displayName } sourceThread { id isDefault } sourceRun { id status teammate { name } } viewerCanEdit } }`,
      { id: (result.data as Data).id },
    );
    expect(pinboardPost).toEqual({
      excerpt: 'Ship on Monday.',
      priority: 'NORMAL',
      tags: ['launch'],
      authorKind: 'TEAMMATE',
      author: { __typename: 'Teammate', name: ctx.teammate.name },
      authorUser: null,
      authorTeammate: { name: ctx.teammate.name },
      createdBy: { displayName: 'Requester' },
      sourceThread: { id: encodeGlobalID('Thread', ctx.thread.id), isDefault: true },
      sourceRun: { id: encodeGlobalID('Run', ctx.runId), status: 'RUNNING', teammate: { name: ctx.teammate.name } },
      viewerCanEdit: true,
    });
    expect((await gql(ada, BY, { slug: 'q3-launch-plan-2' })).pinboardPost.title).toBe('Q3 launch plan');
  });

  it('pinboard_search returns the best matches with title, slug, excerpt and priority, scoped to the organisation', async () => {
    const ada = await signUpUser(server, 'Seeker');
    await post(ada, { title: 'Budget', body: 'The marketing budget for 2027 is settled.', tags: ['finance'], priority: 'HIGH' });
    await post(ada, { title: 'Marketing plan', body: 'Channels and timing.' });
    await post(ada, { title: 'Lunch', body: 'Pizza on Friday.' });
    const other = await signUpUser(server, 'Other');
    await post(other, { title: 'Marketing secrets', body: 'Not for Ada.' });
    const ctx = await toolContextFor(server, ada);
    const found = await pinboardSearchTool.run({ query: 'marketing' }, ctx);
    expect(found.summary).toBe('2 pinboard posts match "marketing": "Marketing plan" (/marketing-plan), "Budget" (/budget)');
    expect((found.data as Data).matches).toEqual([
      { id: expect.any(String), title: 'Marketing plan', slug: 'marketing-plan', excerpt: 'Channels and timing.', priority: 'normal', pinned: false, tags: [] },
      { id: expect.any(String), title: 'Budget', slug: 'budget', excerpt: 'The marketing budget for 2027 is settled.', priority: 'high', pinned: false, tags: ['finance'] },
    ]);
    expect((await pinboardSearchTool.run({ query: 'marketing', tag: 'finance', limit: 1 }, ctx)).summary).toBe(
      '1 pinboard post tagged "finance" match "marketing": "Budget" (/budget)',
    );
    expect((await pinboardSearchTool.run({ query: 'secrets' }, ctx)).summary).toBe('No pinboard posts match "secrets".');
  });

  it('bad input from a model is a ToolError that says what to fix, and stores nothing', async () => {
    const ada = await signUpUser(server, 'Careful');
    const ctx = await toolContextFor(server, ada);
    const attempts: Array<[Promise<unknown>, RegExp]> = [
      [pinboardPostTool.run({ title: '', body: 'x' }, ctx), /^Invalid input: title must not be empty$/],
      [pinboardPostTool.run({ title: 'Hi' } as never, ctx), /^Invalid input: body /],
      [pinboardPostTool.run({ title: 'Hi', body: 'x', priority: 'whenever' as never }, ctx), /priority must be one of low, normal, high, urgent/],
      [pinboardPostTool.run({ title: 'Hi', body: 'x', tags: ['two words'] }, ctx), /^Invalid input: tags\.0 use letters, digits/],
      [pinboardSearchTool.run({ query: '   ' }, ctx), /^Invalid input: query must not be empty$/],
      [pinboardSearchTool.run({ query: 'x', limit: 50 }, ctx), /^Invalid input: limit /],
    ];
    for (const [attempt, message] of attempts) {
      const error = await attempt.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ToolError);
      expect((error as Error).message).toMatch(message);
    }
    expect(await titles(ada)).toEqual([]);
    // A context whose run is not this teammate's is a bug in the caller, not something for the model to fix.
    const wrongRun = pinboardPostTool.run({ title: 'Hi', body: 'x' }, { ...ctx, runId: randomUUID() });
    await expect(wrongRun).rejects.not.toBeInstanceOf(ToolError);
  });
});
