import { describe, expect, it } from 'vitest';
import { sanitizeFileName } from '../../src/services/file-names.ts';
import { cleanModelText, isBlank, normaliseText, searchText } from '../../src/services/text.ts';
import { ValidationError } from '../../src/services/errors.ts';
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

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename ... on SendMessagePayload { message { body } runs { id } } ... on ValidationError { issues { field message } } } }`;
const POST = `mutation($input: CreatePinboardPostInput!) { createPinboardPost(input: $input) {
  __typename ... on PinboardPost { id title body } ... on ValidationError { issues { field message } } } }`;

describe('one normalisation for text (each kind of input)', () => {
  it('the rules, one input each', () => {
    const body = (v: string) => normaliseText(v, 'body', { max: 100, multiline: true });
    const title = (v: string) => normaliseText(v, 'title', { max: 100 });
    expect(body('Cafe\u0301')).toBe('Café'); // NFC
    expect(body('Café')).toBe('Café'.normalize('NFC'));
    expect(body('one\r\ntwo\rthree\tfour')).toBe('one\ntwo\nthree\tfour'); // CRLF/CR → LF; tab kept
    expect(body('pay \u202Eexe.txt\u202C now')).toBe('pay exe.txt now'); // RLO/PDF stripped
    expect(body('\u2066isolated\u2069')).toBe('isolated');
    expect(body('👩\u200D💻 and می\u200Cخواهم')).toBe('👩\u200D💻 and می\u200Cخواهم'); // ZWJ/ZWNJ kept
    expect(body('I ❤\uFE0F')).toBe('I ❤\uFE0F'); // variation selector kept at the end
    expect(body('\uFEFFhello')).toBe('hello'); // BOM
    expect(body('  \u200Bhi\u200B  ')).toBe('hi');
    expect(title('  Q3\n\tplan  ')).toBe('Q3 plan'); // one line
    expect(normaliseText('\n \n    indented code\nmore  \n', 'body', { max: 100, multiline: true, keepIndentation: true })).toBe('    indented code\nmore'); // markdown
    for (const bad of ['\u0000', 'a\u0000b', 'bell\u0007', 'esc\u001B[31m', 'del\u007F', 'vt\u000B']) {
      expect(() => body(bad)).toThrow(ValidationError);
    }
    expect(() => body('a\u0000b')).toThrow('body: must not contain control characters (found U+0000)');
    for (const blank of ['', '   ', '\u200B', '\uFEFF', '\u200B\u200D\u2060 \u00AD', '\u3164', '\n\t']) {
      expect(isBlank(blank.normalize('NFC').replace(/\uFEFF/g, ''))).toBe(true);
      expect(() => body(blank)).toThrow('body: must not be empty');
    }
    expect(() => title('x'.repeat(101))).toThrow('title: must be at most 100 characters');
    expect(cleanModelText('ok\u0000 fine\u202E')).toBe('ok fine');
    expect(searchText('a\u0000b')).toBe('a b');
    expect(searchText('  \u200B\uFEFF ')).toBe('');
    expect(searchText('Zu\u0308rich')).toBe('Zürich');
  });

  it('file names keep the joiners scripts and emoji need', () => {
    expect(sanitizeFileName('👩\u200D💻 notes.txt')).toBe('👩\u200D💻 notes.txt');
    expect(sanitizeFileName('می\u200Cخواهم.pdf')).toBe('می\u200Cخواهم.pdf');
    expect(sanitizeFileName('a\u0000b\u202E.txt')).toBe('ab.txt');
  });

  it('messages: NUL is a ValidationError, a zero-width space is empty (no run starts), the rest is stored normalised', async () => {
    const user = await signUpUser(server, 'Texter');
    const thread = await directThreadOf(server, user);
    const send = async (body: string) => (await gql(user, SEND, { input: { threadId: thread, body } })).sendMessage;
    expect(await send('\u0000')).toEqual({ __typename: 'ValidationError', issues: [{ field: 'body', message: 'must not contain control characters (found U+0000)' }] });
    expect(await send('\u200b')).toEqual({ __typename: 'ValidationError', issues: [{ field: 'body', message: 'must not be empty' }] });
    const ok = await send('Cafe\u0301 \u202Eok');
    expect(ok.message.body).toBe('Café ok');
    const { node } = await gql(user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 5) { edges { node { body } } } } } }', { id: thread });
    expect(node.messages.edges.map((e: Data) => e.node.body)).not.toContain('\u200b');
  });

  it('searches never fail on what they are given: NUL in a pinboard or file search is a search, not "Unexpected error."', async () => {
    const user = await signUpUser(server, 'Searcher');
    const created = (await gql(user, POST, { input: { title: 'Zürich office', body: 'Opening in Zürich.' } })).createPinboardPost;
    expect(created.__typename).toBe('PinboardPost');
    const pins = await server.gql<Data>('query($s: String) { pinboard(search: $s) { edges { node { title } } } }', { s: 'a\u0000b' }, { token: user.token });
    expect(pins.errors).toBeUndefined();
    expect(pins.data!.pinboard.edges).toEqual([]);
    const nfd = await gql(user, 'query($s: String) { pinboard(search: $s) { edges { node { title } } } }', { s: 'Zu\u0308rich' });
    expect(nfd.pinboard.edges.map((e: Data) => e.node.title)).toEqual(['Zürich office']);
    const files = await server.gql<Data>('query($s: String) { files(search: $s) { edges { node { name } } } }', { s: 'a\u0000b' }, { token: user.token });
    expect(files.errors).toBeUndefined();
    expect(files.data!.files.edges).toEqual([]);
  });

  it('titles, names, posts and memories: controls refused, blanks refused, bidi overrides stripped', async () => {
    const user = await signUpUser(server, 'Namer');
    const thread = await directThreadOf(server, user);
    const title = async (t: string) =>
      (await gql(user, 'mutation($id: ID!, $t: String) { updateThread(input: { threadId: $id, title: $t }) { __typename ... on Thread { title } ... on ValidationError { issues { field message } } } }', { id: thread, t })).updateThread;
    expect(await title('Plan\u0007')).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'title' }] });
    expect(await title('\u200B \u2060')).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'title', message: 'must not be empty' }] });
    expect(await title('  Q3\u202E plan ')).toEqual({ __typename: 'Thread', title: 'Q3 plan' });

    const teammate = async (name: string) =>
      (
        await gql(
          user,
          `mutation($n: String!) { createTeammate(input: { name: $n, role: "Analyst", personality: "Careful and curious, checks numbers twice before sharing anything.", instructions: "Answer questions about numbers; say where each number comes from." }) { __typename ... on Teammate { name } ... on ValidationError { issues { field message } } } }`,
          { n: name },
        )
      ).createTeammate;
    expect(await teammate('\u200B')).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'name', message: 'must not be empty' }] });
    expect(await teammate('Zoe\u0308\u0000')).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'name' }] });
    const zoe = await teammate('Zoe\u0308');
    expect(zoe).toEqual({ __typename: 'Teammate', name: 'Zoë' });

    expect((await gql(user, POST, { input: { title: 'T', body: 'x\u0000y' } })).createPinboardPost).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'body' }] });
    expect((await gql(user, POST, { input: { title: '\uFEFF', body: 'ok' } })).createPinboardPost).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'title' }] });

    const { teammates } = await gql(user, '{ teammates { edges { node { id name } } } }');
    const noor = teammates.edges[0].node.id;
    const memory = async (content: string) =>
      (await gql(user, 'mutation($t: ID!, $c: String!) { addMemory(input: { teammateId: $t, content: $c }) { __typename ... on Memory { content } ... on ValidationError { issues { field message } } } }', { t: noor, c: content })).addMemory;
    expect(await memory('\u200B\u200B')).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'content', message: 'must not be empty' }] });
    expect(await memory('likes \u0000 tea')).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'content' }] });
    expect(await memory('Prefers cafe\u0301s')).toEqual({ __typename: 'Memory', content: 'Prefers cafés' });
  });
});
