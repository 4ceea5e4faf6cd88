import { beforeAll, describe, expect, it } from 'vitest';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { directThreadOf, send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import type { FakeOpenAI } from '../helpers/fake-openai.ts';
import { makePng, uploadMultipart } from '../helpers/files.ts';
import type { TestServer } from '../helpers/server.ts';
import { gqlAs, type Data } from '../helpers/kit.ts';

const model = useServerWithFakeModel();
let fake: FakeOpenAI;
let server: TestServer;
beforeAll(() => {
  ({ fake, server } = model);
});

const POST_FIELDS = 'id title sources { url label } attachments { id name } coverImage { id name contentType }';
const CREATE = `mutation($input: CreatePinboardPostInput!) { createPinboardPost(input: $input) {
  __typename ... on PinboardPost { ${POST_FIELDS} } ... on ValidationError { issues { field message } } ... on Error { message } } }`;
const UPDATE = `mutation($input: UpdatePinboardPostInput!) { updatePinboardPost(input: $input) {
  __typename ... on PinboardPost { ${POST_FIELDS} } ... on ValidationError { issues { field message } } ... on Error { message } } }`;
const POST = `query($id: ID!) { pinboardPost(id: $id) { ${POST_FIELDS} } }`;

async function upload(user: TestUser, name: string, bytes: Uint8Array | string, type: string): Promise<string> {
  const result = await uploadMultipart(server, user.token, { name, bytes, type });
  if (result.data?.uploadFile?.__typename !== 'File') throw new Error(JSON.stringify(result));
  return result.data.uploadFile.id;
}

describe('pinboard sources, attachments and cover image', () => {
  it('are set, read back in order, changed and cleared; bad ones are refused and change nothing', async () => {
    const user = await signUpUser(server, 'Pinner');
    const notes = await upload(user, 'notes.txt', 'Launch notes', 'text/plain');
    const photo = await upload(user, 'cover.png', makePng(), 'image/png');
    const sources = [
      { url: 'https://example.com/report', label: 'The report' },
      { url: 'http://example.org/data.csv', label: 'Raw data' },
    ];
    const created = (await gqlAs(server, user, CREATE, { input: { title: 'Launch', body: 'We launch Monday.', sources, attachments: [notes, photo], coverImage: photo } })).createPinboardPost;
    expect(created).toMatchObject({
      __typename: 'PinboardPost',
      sources,
      attachments: [{ id: notes, name: 'notes.txt' }, { id: photo, name: 'cover.png' }],
      coverImage: { id: photo, contentType: 'image/png' },
    });
    const { __typename, ...stored } = created;
    expect((await gqlAs(server, user, POST, { id: created.id })).pinboardPost).toEqual(stored);

    // Refused: a non-http(s) source, a cover that is no image; nothing of the post changes.
    const bad = (await gqlAs(server, user, UPDATE, { input: { id: created.id, sources: [{ url: 'javascript:alert(1)', label: 'x' }] } })).updatePinboardPost;
    expect(bad).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'sources.0.url', message: 'must be an http(s) URL' }] });
    const notImage = (await gqlAs(server, user, UPDATE, { input: { id: created.id, title: 'Renamed', coverImage: notes } })).updatePinboardPost;
    expect(notImage).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'coverImage', message: expect.stringContaining('must be an image') }] });
    expect((await gqlAs(server, user, POST, { id: created.id })).pinboardPost).toEqual(stored);

    const changed = (await gqlAs(server, user, UPDATE, { input: { id: created.id, sources: [sources[1]], attachments: [photo], coverImage: null } })).updatePinboardPost;
    expect(changed).toMatchObject({ sources: [sources[1]], attachments: [{ id: photo }], coverImage: null });
    const cleared = (await gqlAs(server, user, UPDATE, { input: { id: created.id, sources: null, attachments: null } })).updatePinboardPost;
    expect(cleared).toMatchObject({ sources: [], attachments: [], coverImage: null, title: 'Launch' });
  });

  it('only take files of the post’s organisation, and show nothing to another one', async () => {
    const owner = await signUpUser(server, 'FileOwner');
    const other = await signUpUser(server, 'Other');
    const theirs = await upload(other, 'secret.png', makePng(), 'image/png');
    const refused = (await gqlAs(server, owner, CREATE, { input: { title: 'Borrowed', body: 'x', attachments: [theirs], coverImage: theirs } })).createPinboardPost;
    expect(refused).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'attachments.0', message: 'no such file in this organisation' }, { field: 'coverImage', message: 'no such file in this organisation' }],
    });
    const mine = await upload(owner, 'mine.png', makePng(), 'image/png');
    const post = (await gqlAs(server, owner, CREATE, { input: { title: 'Mine', body: 'x', attachments: [mine], coverImage: mine, sources: [{ url: 'https://a.example', label: 'A' }] } })).createPinboardPost;
    expect(post.__typename).toBe('PinboardPost');
    expect((await gqlAs(server, other, POST, { id: post.id })).pinboardPost).toBeNull();
    const attempt = (await gqlAs(server, other, UPDATE, { input: { id: post.id, sources: [] } })).updatePinboardPost;
    expect(attempt.__typename).toBe('NotFoundError');
    expect((await gqlAs(server, owner, POST, { id: post.id })).pinboardPost.sources).toEqual([{ url: 'https://a.example', label: 'A' }]);
  });

  it('the pinboard_post tool cites sources', async () => {
    const user = await signUpUser(server, 'Citer');
    const thread = await directThreadOf(server, user);
    fake.enqueue(
      {
        kind: 'tools',
        calls: [{ name: 'pinboard_post', arguments: JSON.stringify({ title: 'Market notes', body: 'Summary.', sources: [{ url: 'https://example.com/market', label: 'Market study' }] }) }],
      },
      { kind: 'text', chunks: ['Pinned it.'] },
    );
    const sent = await send(server, user, thread, 'Pin the market notes with the source');
    await waitForRun(server, user, sent.runs[0].id);
    const { pinboard } = await gqlAs(server, user, '{ pinboard(search: "Market notes") { edges { node { title sources { url label } } } } }');
    expect(pinboard.edges.map((e: Data) => e.node)).toEqual([{ title: 'Market notes', sources: [{ url: 'https://example.com/market', label: 'Market study' }] }]);
  });
});
