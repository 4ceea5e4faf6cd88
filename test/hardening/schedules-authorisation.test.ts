import { describe, expect, it } from 'vitest';
import { useTestServer, type TestServer } from '../helpers/server.ts';
import { makeTeam } from './team.ts';

let server: TestServer;
useTestServer({}, (s) => (server = s));

type Data = Record<string, any>;

const PAUSE = 'mutation($id: ID!) { pauseSchedule(input: { scheduleId: $id, paused: true }) { __typename ... on Schedule { paused } ... on Error { message } } }';
const DELETE = 'mutation($id: ID!) { deleteSchedule(input: { scheduleId: $id }) { __typename ... on Error { message } } }';

describe('schedules', () => {
  it("need their creator, an owner or an admin to be paused or deleted, like the rest", async () => {
    const team = await makeTeam(server, 'Schedulers');
    const { as, owner, member } = team;
    const members = await as(owner, '{ viewer { currentOrg { members { edges { node { user { id displayName } } } } } } }');
    const memberId = members.viewer.currentOrg.members.edges.find((e: Data) => e.node.user.displayName.endsWith('Member')).node.user.id;
    const hired = await as(owner, 'mutation { hireTeammate(input: { catalogKey: "writer" }) { ... on Teammate { id } } }');
    const thread = (
      await as(owner, 'mutation($t: [ID!]!, $u: [ID!]) { createThread(input: { kind: TEAM, teammateIds: $t, userIds: $u, title: "Weekly" }) { ... on CreateThreadPayload { thread { id } } } }', {
        t: [hired.hireTeammate.id],
        u: [memberId],
      })
    ).createThread.thread.id;
    const schedule = async (who: typeof owner) =>
      (
        await as(who, 'mutation($t: ID!) { scheduleGoal(input: { threadId: $t, instruction: "Write the weekly note", cron: "0 9 * * 1", timezone: "UTC" }) { __typename ... on Schedule { id } ... on Error { message } } }', {
          t: thread,
        })
      ).scheduleGoal;
    const ownersSchedule = await schedule(owner);
    expect(ownersSchedule.__typename).toBe('Schedule');

    // A plain member sees the owner's schedule but may neither pause nor delete it.
    expect((await as(member, PAUSE, { id: ownersSchedule.id })).pauseSchedule.__typename).toBe('ForbiddenError');
    expect((await as(member, DELETE, { id: ownersSchedule.id })).deleteSchedule.__typename).toBe('ForbiddenError');
    const still = await as(owner, 'query($t: ID!) { schedules(threadId: $t) { edges { node { id paused } } } }', { t: thread });
    expect(still.schedules.edges.map((e: Data) => e.node)).toEqual([{ id: ownersSchedule.id, paused: false }]);

    // The member's own schedule is theirs to change; the owner may change anyone's.
    const membersSchedule = await schedule(member);
    expect((await as(member, PAUSE, { id: membersSchedule.id })).pauseSchedule).toEqual({ __typename: 'Schedule', paused: true });
    expect((await as(owner, DELETE, { id: membersSchedule.id })).deleteSchedule.__typename).toBe('DeleteSchedulePayload');
    expect((await as(owner, DELETE, { id: ownersSchedule.id })).deleteSchedule.__typename).toBe('DeleteSchedulePayload');
  });
});
