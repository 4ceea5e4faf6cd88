import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileTool, searchFilesTool } from '../../src/agents/tools/file-tools.ts';
import { toolDefinition, ToolError, type ToolContext } from '../../src/agents/tools/types.ts';
import { findTeammateByCatalogKey } from '../../src/repositories/teammates.ts';
import { findThreadsOfMember } from '../../src/repositories/threads.ts';
import { NotFoundError } from '../../src/services/errors.ts';
import { saveGeneratedFile } from '../../src/services/files.ts';
import { attachFilesToMessage, attachmentsForMessages } from '../../src/services/message-files.ts';
import { signUpUser, type TestUser } from '../helpers/accounts.ts';
import { makeElf, makePdf, makePng, uploadMultipart } from '../helpers/files.ts';
import { queryCounter, type TestServer, useTestServer } from '../helpers/server.ts';
import { gqlOn, waitFor, type Data } from '../helpers/kit.ts';
import { sql } from 'kysely';

/**
 * Files as teammates and messages see them: attachments on messages (GraphQL and the prompt
 * builder's view) and the search_files / read_file tools, called with a real ToolContext.
 */
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-attach-'));
const counter = queryCounter();
let server: TestServer;
// A long notification window: the end-of-window push (a job due in an hour) runs no queries while this file counts them.
useTestServer({ worker: true, onQuery: counter.onQuery, env: { TMATES_HOME: home, NOTIFY_COALESCE_SECONDS: '3600' } }, (s) => (server = s));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const raw = (globalId: string) => decodeGlobalID(globalId).id;

const gql = gqlOn(() => server);

async function ready(user: TestUser, name: string, bytes: Uint8Array | string, type: string): Promise<string> {
  const { id } = (await uploadMultipart(server, user.token, { name, bytes, type })).data!.uploadFile;
  await waitFor(async () => (await gql(user, 'query($id: ID!) { file(id: $id) { status } }', { id })).file.status === 'READY', name);
  return id;
}

const longText = Array.from({ length: 600 }, (_, i) => `Line ${i}: the lighthouse keeper logs the weather.`).join('\n');
const png = makePng(new Uint8Array([1, 2, 3]));

let alice: TestUser;
let bob: TestUser;
const files: Record<string, string> = {};
let threadId: string;
let toolContext: ToolContext;

beforeAll(async () => {
  alice = await signUpUser(server, 'Alice');
  bob = await signUpUser(server, 'Bob');
  files.pdf = await ready(alice, 'budget.pdf', makePdf([['Budget 2027', 'Marketing spend rises to 40 percent']]), 'application/pdf');
  files.log = await ready(alice, 'keeper-log.txt', longText, 'text/plain');
  files.image = await ready(alice, 'chart.png', png, 'image/png');
  files.bobs = await ready(bob, 'bob-secret.txt', 'Marketing plans of another company', 'text/plain');
  const { threads } = await gql(alice, '{ threads { edges { node { id kind } } } }');
  threadId = threads.edges.find((e: Data) => e.node.kind === 'DIRECT').node.id;

  const { services } = server.app;
  const orgId = raw(alice.orgId);
  const [thread] = await findThreadsOfMember(services.db, orgId, raw(alice.userId), [raw(threadId)]);
  const teammate = await findTeammateByCatalogKey(services.db, orgId, 'starter');
  toolContext = { services, orgId, runId: randomUUID(), attempt: 1, thread: thread!, teammate: teammate!, signal: new AbortController().signal };
});

/** Posts a message with files through sendMessage and waits until the teammate's answer is in. */
async function postWithFiles(fileIds: string[], body: string): Promise<string> {
  const sent = await gql(alice, 'mutation($input: SendMessageInput!) { sendMessage(input: $input) { __typename ... on SendMessagePayload { message { id } runs { id } } } }', {
    input: { threadId, body, fileIds },
  });
  expect(sent.sendMessage.__typename).toBe('SendMessagePayload');
  for (const run of sent.sendMessage.runs) {
    await waitFor(async () => ['SUCCEEDED', 'FAILED'].includes((await gql(alice, 'query($id: ID!) { node(id: $id) { ... on Run { status } } }', { id: run.id })).node.status), 'answer');
  }
  return sent.sendMessage.message.id;
}

/** Waits until the worker has no job due (the teammates' replies notify Alice in jobs of their own, which run queries too). */
async function jobsSettled(): Promise<void> {
  await waitFor(async () => {
    const { rows } = await sql<{ due: string }>`select count(*) as due from graphile_worker.jobs where run_at <= now()`.execute(server.app.services.db);
    return Number(rows[0]!.due) === 0;
  }, 'the due jobs to finish');
}

describe('message attachments', () => {
  it('Message.files lists attachments in order with fresh download URLs, batched across messages', async () => {
    await postWithFiles([files.pdf!, files.image!], 'Here are the budget and the chart');
    await postWithFiles([files.log!], 'And the log');
    const QUERY = 'query($id: ID!) { thread(id: $id) { messages(last: 20) { edges { node { body files { name contentType isImage downloadUrl } } } } } }';
    await jobsSettled();
    const { result, queries } = await counter.count(() => gql(alice, QUERY, { id: threadId }));
    const messages = result.thread.messages.edges.map((e: Data) => e.node);
    const withFiles = messages.find((m: Data) => m.body.startsWith('Here are'));
    expect(withFiles.files.map((f: Data) => f.name)).toEqual(['budget.pdf', 'chart.png']);
    expect(messages.find((m: Data) => m.body === 'And the log').files.map((f: Data) => f.name)).toEqual(['keeper-log.txt']);
    const image = await fetch(withFiles.files[1].downloadUrl);
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);

    // More messages with files cost no more queries.
    for (let i = 0; i < 4; i += 1) await postWithFiles([files.log!, files.pdf!], `More ${i}`);
    await jobsSettled();
    const again = await counter.count(() => gql(alice, QUERY, { id: threadId }));
    expect(again.result.thread.messages.edges.filter((e: Data) => e.node.files.length > 0)).toHaveLength(6);
    expect(again.queries).toBe(queries);
  });

  it('attachFilesToMessage refuses files of another organisation, deleted or unknown ones, linking nothing', async () => {
    const messageId = await postWithFiles([], 'no files yet');
    const { db } = server.app.services;
    const attach = (ids: string[]) => db.transaction().execute((trx) => attachFilesToMessage(trx, raw(alice.orgId), raw(messageId), ids));
    await expect(attach([raw(files.pdf!), raw(files.bobs!)])).rejects.toBeInstanceOf(NotFoundError);
    await expect(attach([randomUUID()])).rejects.toThrow('File not found');
    await expect(attach([files.pdf!])).rejects.toBeInstanceOf(NotFoundError); // a global id is not a uuid
    const doomed = await ready(alice, 'doomed.txt', 'short-lived', 'text/plain');
    await gql(alice, 'mutation($id: ID!) { deleteFile(input: { id: $id }) { __typename } }', { id: doomed });
    await expect(attach([raw(doomed)])).rejects.toBeInstanceOf(NotFoundError);
    const { message } = await gql(alice, 'query($id: ID!) { message: node(id: $id) { ... on Message { files { id } } } }', { id: messageId });
    expect(message.files).toEqual([]);
  });

  it('attachmentsForMessages gives the prompt builder text (cut) and images as data URLs', async () => {
    const messageId = raw(await postWithFiles([files.log!, files.image!, files.pdf!], 'for the model'));
    const empty = raw(await postWithFiles([], 'nothing attached'));
    const byMessage = await attachmentsForMessages(server.app.services, raw(alice.orgId), [messageId, empty]);
    expect(byMessage.get(empty)).toEqual([]);
    const [log, image, pdf] = byMessage.get(messageId)!;
    expect(log).toMatchObject({ fileId: raw(files.log!), name: 'keeper-log.txt', contentType: 'text/plain', status: 'ready', textTruncated: true });
    expect(log!.text).toHaveLength(4000);
    expect(log!.text!.startsWith('Line 0: the lighthouse keeper')).toBe(true);
    expect(image).toMatchObject({ name: 'chart.png', contentType: 'image/png', status: 'ready' });
    expect(image!.text).toBeUndefined();
    expect(image!.image!.dataUrl).toBe(`data:image/png;base64,${png.toString('base64')}`);
    expect(pdf).toMatchObject({ name: 'budget.pdf', text: 'Budget 2027\nMarketing spend rises to 40 percent' });
    // Another organisation's view of the same message is empty.
    expect((await attachmentsForMessages(server.app.services, raw(bob.orgId), [messageId])).get(messageId)).toEqual([]);
  });
});

describe('files teammates make', () => {
  it('saveGeneratedFile stores a teammate’s file under the same checks, attributed to the teammate', async () => {
    const { services } = server.app;
    const saved = await saveGeneratedFile(services, {
      orgId: toolContext.orgId,
      teammateId: toolContext.teammate.id,
      runId: null,
      name: 'summary/../draft.md',
      bytes: new TextEncoder().encode('# Draft\nThe teammate wrote this about narwhals.'),
    });
    expect(saved).toMatchObject({ name: 'draft.md', contentType: 'text/markdown', uploadedBy: null, createdByTeammateId: toolContext.teammate.id });
    await waitFor(async () => (await gql(alice, '{ files(search: "narwhals") { edges { node { id } } } }')).files.edges.length === 1, 'the draft');
    const { files: listed } = await gql(alice, '{ files(search: "narwhals") { edges { node { name uploadedBy { id } createdByTeammate { name } viewerCanDelete } } } }');
    expect(listed.edges[0].node).toEqual({ name: 'draft.md', uploadedBy: null, createdByTeammate: { name: toolContext.teammate.name }, viewerCanDelete: true });
    await expect(
      saveGeneratedFile(services, { orgId: toolContext.orgId, teammateId: toolContext.teammate.id, runId: null, name: 'x.pdf', bytes: makeElf() }),
    ).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('teammate tools', () => {
  it('search_files finds ready files of the run’s organisation only, with a snippet', async () => {
    const result = await searchFilesTool.run(searchFilesTool.input.parse({ query: 'marketing' }), toolContext);
    const found = (result.data as Data).files;
    expect(found.map((f: Data) => f.name)).toEqual(['budget.pdf']);
    expect(found[0]).toMatchObject({ id: raw(files.pdf!), contentType: 'application/pdf', pageCount: 1 });
    expect(found[0].snippet).toContain('**Marketing**');
    expect(result.summary).toBe('1 file match "marketing".');
    const none = await searchFilesTool.run({ query: 'submarine' }, toolContext);
    expect(none).toEqual({ summary: 'No files match "submarine".', data: { files: [] } });
    expect(() => searchFilesTool.input.parse({ query: '' })).toThrow();
    expect(toolDefinition(searchFilesTool)).toMatchObject({ name: 'search_files', parameters: { type: 'object', required: ['query'] } });
  });

  it('read_file pages through extracted text by id or name; missing files are a ToolError', async () => {
    const first = await readFileTool.run(readFileTool.input.parse({ fileId: raw(files.log!), length: 100 }), toolContext);
    const data = first.data as Data;
    expect(data).toMatchObject({ offset: 0, length: 100, totalLength: longText.length, nextOffset: 100, file: { name: 'keeper-log.txt' } });
    expect(data.text).toBe(longText.slice(0, 100));
    const byName = await readFileTool.run(readFileTool.input.parse({ name: 'KEEPER-LOG.txt', offset: longText.length - 20 }), toolContext);
    expect(byName.data).toMatchObject({ text: longText.slice(-20), nextOffset: null });
    expect(byName.summary).toMatch(/\(the end\)\.$/);
    // The API's global id works too.
    const global = await readFileTool.run(readFileTool.input.parse({ fileId: files.pdf! }), toolContext);
    expect((global.data as Data).text).toContain('Budget 2027');

    await expect(readFileTool.run({ fileId: raw(files.bobs!) }, toolContext)).rejects.toBeInstanceOf(ToolError);
    await expect(readFileTool.run({ fileId: randomUUID() }, toolContext)).rejects.toThrow(/There is no file with id/);
    await expect(readFileTool.run({ fileId: 'not-an-id' }, toolContext)).rejects.toBeInstanceOf(ToolError);
    await expect(readFileTool.run({ name: 'bob-secret.txt' }, toolContext)).rejects.toThrow(/no file named/);
    await expect(readFileTool.run({ fileId: raw(files.image!) }, toolContext)).rejects.toThrow(/is an image without text/);
    await expect(readFileTool.run({ fileId: raw(files.log!), offset: longText.length }, toolContext)).rejects.toThrow(/past the end/);
    expect(() => readFileTool.input.parse({})).toThrow(/give fileId or name/);
  });
});
