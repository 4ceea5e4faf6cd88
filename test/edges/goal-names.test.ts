import { describe, expect, it } from 'vitest';
import { gqlAs } from '../helpers/kit.ts';
import { absentTeammatesNamed } from '../../src/services/goal-names.ts';
import { signUpUser } from '../helpers/accounts.ts';

import { useTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
useTestServer({}, (s) => (server = s));

const CREATE = `mutation($input: CreateGoalInput!) { createGoal(input: $input) { __typename ... on Goal { id status } ... on ValidationError { issues { field message } } ... on Error { message } } }`;
const SCHEDULE = `mutation($input: ScheduleGoalInput!) { scheduleGoal(input: $input) { __typename ... on ValidationError { issues { field message } } ... on Error { message } } }`;

describe('goals that name teammates who are not on the thread’s team are refused, naming them', () => {
  it('finds names as words with their capital, or as @mentions in any case; team members never count', () => {
    const known = ['Amara', 'Rohan', 'Freya', 'Ada Bot', 'Noor'];
    const team = [{ name: 'Freya', key: 'analyst' }];
    expect(absentTeammatesNamed('Amara and Rohan: research pricing', known, team)).toEqual(['Amara', 'Rohan']);
    expect(absentTeammatesNamed("Rohan's draft, then @amara checks it", known, team)).toEqual(['Rohan', 'Amara']);
    expect(absentTeammatesNamed('Ada Bot: plan the release', known, team)).toEqual(['Ada Bot']);
    expect(absentTeammatesNamed('Freya: crunch the numbers', known, team)).toEqual([]);
    expect(absentTeammatesNamed('The amaranth crop and a noor-style lamp', known, team)).toEqual([]);
    expect(absentTeammatesNamed('mail ops@amara.example', known, team)).toEqual([]);
  });

  it('createGoal and scheduleGoal: "Amara and Rohan: research pricing" where neither is hired is a ValidationError naming both; a goal for who is there starts', async () => {
    const user = await signUpUser(server, 'Goalie');
    const hire = async (key: string) => (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id name } } }', { k: key })).hireTeammate;
    const analyst = await hire('analyst');
    const coordinator = await hire('coordinator');
    const { createThread } = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Pricing" }) { ... on CreateThreadPayload { thread { id } } } }', { t: [analyst.id, coordinator.id] });
    const thread = createThread.thread.id;

    const refused = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: 'Amara and Rohan: research pricing' } })).createGoal;
    expect(refused).toMatchObject({
      __typename: 'ValidationError',
      issues: [{ field: 'instruction', message: 'Amara and Rohan are not on this thread’s team; add them to the thread (hiring first if need be), or name someone who is here' }],
    });
    const { goals } = await gqlAs(server, user, 'query($t: ID!) { goals(threadId: $t) { edges { node { id } } } }', { t: thread });
    expect(goals.edges).toEqual([]); // nothing was started

    const scheduled = (await gqlAs(server, user, SCHEDULE, { input: { threadId: thread, instruction: '@rohan: weekly pricing memo', cron: '0 9 * * 1', timezone: 'Europe/Paris' } })).scheduleGoal;
    expect(scheduled).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'instruction', message: expect.stringMatching(/^Rohan is not on this thread’s team/) }] });

    const ok = (await gqlAs(server, user, CREATE, { input: { threadId: thread, instruction: `${analyst.name}: research pricing` } })).createGoal;
    expect(ok).toMatchObject({ __typename: 'Goal', status: 'PLANNING' });
  });
});
