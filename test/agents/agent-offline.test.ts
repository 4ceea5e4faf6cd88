import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makePdf, uploadMultipart } from '../helpers/files.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { directThreadOf, send, waitForRun } from '../helpers/agents.ts';
import { type TestServer, useTestServer } from '../helpers/server.ts';
import { gqlAs, waitFor, type Data } from '../helpers/kit.ts';

/** No model configured: every turn goes through the built-in offline model, tools included. */
let server: TestServer;
const home = mkdtempSync(path.join(os.tmpdir(), 'tmates-offline-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
useTestServer({ worker: true, env: { TMATES_HOME: home } }, (s) => (server = s));


async function hire(user: Parameters<typeof gqlAs>[1], key: string): Promise<string> {
  return (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key })).hireTeammate.id;
}

describe('the offline model', () => {
  it('answers in the teammate’s voice and says it is offline', async () => {
    const user = await signUpUser(server, 'Offline');
    const thread = await directThreadOf(server, user);
    const sent = await send(server, user, thread, 'Good morning!');
    const run = await waitForRun(server, user, sent.runs[0].id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', model: 'offline' });
    expect(run.reply.body).toMatch(/^Noor here, your team generalist\. \(I'm running on the offline model/);
    expect(run.reply.body).toContain('You wrote: "Good morning!"');
    expect(run.promptTokens).toBeGreaterThan(0);
  });

  it('drives the same tool loop: remember, then recall in a later turn', async () => {
    const user = await signUpUser(server, 'Memo');
    const thread = await directThreadOf(server, user);
    const saved = await waitForRun(server, user, (await send(server, user, thread, 'Remember that the board meets on Thursdays')).runs[0].id);
    expect(saved.steps).toMatchObject([{ toolName: 'remember', status: 'SUCCEEDED', input: { content: 'the board meets on Thursdays' } }]);
    expect(saved.reply.body).toMatch(/^Noted — I'll remember that\./);
    const recalled = await waitForRun(server, user, (await send(server, user, thread, 'What do you remember about the board?')).runs[0].id);
    expect(recalled.steps).toMatchObject([{ toolName: 'recall', status: 'SUCCEEDED' }]);
    expect(recalled.reply.body).toContain('the board meets on Thursdays');
  });

  it('asks another teammate and relays the answer', async () => {
    const user = await signUpUser(server, 'Asker');
    await hire(user, 'analyst');
    const thread = await directThreadOf(server, user);
    const run = await waitForRun(server, user, (await send(server, user, thread, 'Ask Freya what the churn rate was last month')).runs[0].id);
    expect(run.steps).toMatchObject([{ toolName: 'ask_teammate', status: 'SUCCEEDED', input: { teammate: 'Freya', question: 'what the churn rate was last month' } }]);
    expect(run.childRuns).toMatchObject([{ kind: 'DELEGATION', status: 'SUCCEEDED', teammate: { name: 'Freya' } }]);
    expect(run.childRuns[0].output).toMatch(/^Freya here, your data analyst\./);
    expect(run.reply.body).toContain('Freya (Data analyst) answered: Freya here');
  });

  it('routes a team thread deterministically: the best fit by role, then the last speaker', async () => {
    const user = await signUpUser(server, 'Roster');
    const writer = await hire(user, 'writer');
    const researcher = await hire(user, 'researcher');
    const { createThread } = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', {
      t: [writer, researcher],
    });
    const thread = createThread.thread.id;
    const research = await send(server, user, thread, 'Could someone research how competitors price their plans?');
    expect(research.runs.map((r: Data) => r.teammate.name)).toEqual(['Amara']);
    await waitForRun(server, user, research.runs[0].id);
    const followUp = await send(server, user, thread, 'Thanks, that helps.');
    expect(followUp.runs.map((r: Data) => r.teammate.name)).toEqual(['Amara']); // the last teammate who spoke
    await waitForRun(server, user, followUp.runs[0].id);
    const draft = await send(server, user, thread, 'Now please write a short blog draft about it');
    expect(draft.runs.map((r: Data) => r.teammate.name)).toEqual(['Rohan']);
  });

  it('reads the thread history when asked, as a tool', async () => {
    const user = await signUpUser(server, 'Historian');
    const thread = await directThreadOf(server, user);
    await waitForRun(server, user, (await send(server, user, thread, 'The budget is 40k')).runs[0].id);
    const run = await waitForRun(server, user, (await send(server, user, thread, 'Catch me up: what did we say so far?')).runs[0].id);
    expect(run.steps).toMatchObject([{ toolName: 'thread_history', status: 'SUCCEEDED' }]);
    expect(run.reply.body).toContain('Historian: The budget is 40k');
  });

  it('pins a post to the pinboard as the teammate, and finds a file’s content', async () => {
    const user = await signUpUser(server, 'Pinner');
    const thread = await directThreadOf(server, user);
    const pinned = await waitForRun(server, user, (await send(server, user, thread, 'Pin: the launch moves to March 3rd. Marketing owns the announcement.')).runs[0].id);
    expect(pinned.steps).toMatchObject([{ toolName: 'pinboard_post', status: 'SUCCEEDED' }]);
    expect(pinned.reply.body).toMatch(/^Pinned it to the pinboard\. Pinned "the launch moves to March 3rd" \(\/the-launch-moves-to-march-3rd\)/);
    const { pinboard } = await gqlAs(server, user, '{ pinboard { edges { node { title body authorKind authorTeammate { name } sourceThread { id } } } } }');
    expect(pinboard.edges.map((e: Data) => e.node)).toEqual([
      {
        title: 'the launch moves to March 3rd',
        body: 'the launch moves to March 3rd. Marketing owns the announcement.',
        authorKind: 'TEAMMATE',
        authorTeammate: { name: 'Noor' },
        sourceThread: { id: thread },
      },
    ]);

    const { id } = (await uploadMultipart(server, user.token, { name: 'budget.pdf', bytes: makePdf([['Budget 2027', 'Marketing spend rises to 40 percent next year']]), type: 'application/pdf' })).data!.uploadFile;
    await waitFor(async () => (await gqlAs(server, user, 'query($id: ID!) { file(id: $id) { status } }', { id })).file.status === 'READY', 'budget.pdf');
    const found = await waitForRun(server, user, (await send(server, user, thread, 'Search the files for marketing spend')).runs[0].id);
    expect(found.steps).toMatchObject([{ toolName: 'search_files', status: 'SUCCEEDED', input: { query: 'marketing spend' } }]);
    expect(found.reply.body).toContain("Here's what I found in the files:");
    expect(found.reply.body).toMatch(/- budget\.pdf: .*\*\*Marketing\*\* \*\*spend\*\* rises to 40 percent/);
    const read = await waitForRun(server, user, (await send(server, user, thread, 'Read the file budget.pdf')).runs[0].id);
    expect(read.steps).toMatchObject([{ toolName: 'read_file', status: 'SUCCEEDED' }]);
    expect(read.reply.body).toContain('Marketing spend rises to 40 percent next year');
  });

  it('runs a whole goal: plans one task per named teammate, works them in the background, reports and pins the report', async () => {
    const user = await signUpUser(server, 'GoalSetter');
    const ids = [await hire(user, 'coordinator'), await hire(user, 'researcher'), await hire(user, 'analyst'), await hire(user, 'writer')];
    const { createThread } = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', { t: ids });
    const thread = createThread.thread.id;
    const { createGoal } = await gqlAs(server, user, 'mutation($t: ID!) { createGoal(input: { threadId: $t, instruction: "Amara, Freya and Rohan: prepare our pricing launch" }) { ... on Goal { id } } }', { t: thread });
    const goal: Data = await waitFor(async () => {
      const g = (await gqlAs(server, user, 'query($id: ID!) { goal(id: $id) { status coordinator { name } progress { done total } tasks { assignee { name } status } report pinboardPost { title } } }', { id: createGoal.id })).goal;
      return ['SUCCEEDED', 'FAILED'].includes(g.status) && g;
    }, 'the goal to finish', 30_000);
    expect(goal).toMatchObject({ status: 'SUCCEEDED', coordinator: { name: 'Kwame' }, progress: { done: 3, total: 3 }, pinboardPost: { title: 'Report: Amara, Freya and Rohan: prepare our pricing launch' } });
    expect(goal.tasks.map((t: Data) => t.assignee.name)).toEqual(['Amara', 'Freya', 'Rohan']);
    expect(goal.report).toContain('Every task is done.');
    const { node } = await gqlAs(server, user, 'query($id: ID!) { node(id: $id) { ... on Thread { messages(last: 10) { edges { node { authorKind authorTeammate { name } body } } } } } }', { id: thread });
    const byTeammates = node.messages.edges.map((e: Data) => e.node).filter((m: Data) => m.authorKind === 'TEAMMATE');
    expect(byTeammates).toHaveLength(5); // the plan, three results, the report
    expect(byTeammates[0].body).toMatch(/^\*\*Plan for:\*\* Amara, Freya and Rohan: prepare our pricing launch/);
  });
});
