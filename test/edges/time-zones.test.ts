import { describe, expect, it } from 'vitest';
import { gqlAs } from '../helpers/kit.ts';
import { nextOccurrence } from '../../src/services/schedules.ts';
import { signUpUser } from '../helpers/accounts.ts';

import { useTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
useTestServer({}, (s) => (server = s));

/**
 * [zone, cron, after, expected next occurrence(s)] — each DST zone with the spring-forward gap
 * (a time that does not exist runs when the clocks jump) and the fall-back overlap (a time that
 * happens twice runs once, at its first occurrence; the following run is the next day's).
 */
const GAPS: Array<[string, string, string, string]> = [
  ['America/New_York', '30 2 * * *', '2027-03-13T12:00:00Z', '2027-03-14T07:00:00.000Z'], // 02:00 EST → 03:00 EDT
  ['Europe/Berlin', '30 2 * * *', '2027-03-27T12:00:00Z', '2027-03-28T01:00:00.000Z'], // 02:00 CET → 03:00 CEST
  ['Europe/London', '30 1 * * *', '2027-03-27T12:00:00Z', '2027-03-28T01:00:00.000Z'], // 01:00 GMT → 02:00 BST
  ['Australia/Lord_Howe', '15 2 3 10 *', '2026-12-01T00:00:00Z', '2027-10-02T15:30:00.000Z'], // 02:00 → 02:30 (+10:30 → +11)
  ['Australia/Adelaide', '30 2 * * *', '2027-10-02T00:00:00Z', '2027-10-02T16:30:00.000Z'], // 02:00 → 03:00 (+9:30 → +10:30)
  ['America/St_Johns', '30 2 * * *', '2027-03-14T00:00:00Z', '2027-03-14T05:30:00.000Z'], // 02:00 → 03:00 (-3:30 → -2:30)
  ['Pacific/Chatham', '0 3 * * *', '2027-09-25T12:00:00Z', '2027-09-25T14:00:00.000Z'], // 02:45 → 03:45 (+12:45 → +13:45)
  ['Pacific/Auckland', '30 2 * * *', '2027-09-25T12:00:00Z', '2027-09-25T14:00:00.000Z'], // 02:00 → 03:00 (+12 → +13)
  ['Antarctica/Troll', '0 2 * * *', '2027-03-27T12:00:00Z', '2027-03-28T01:00:00.000Z'], // 01:00 → 03:00 (+0 → +2)
];

const OVERLAPS: Array<[string, string, string, string, string]> = [
  ['America/New_York', '30 1 * * *', '2027-11-06T12:00:00Z', '2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z'],
  ['Europe/Berlin', '30 2 * * *', '2027-10-30T12:00:00Z', '2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z'],
  ['Europe/London', '30 1 * * *', '2027-10-30T12:00:00Z', '2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z'],
  ['Australia/Lord_Howe', '45 1 * * *', '2027-04-03T12:00:00Z', '2027-04-03T14:45:00.000Z', '2027-04-04T15:15:00.000Z'],
  ['Australia/Adelaide', '30 2 * * *', '2027-04-03T00:00:00Z', '2027-04-03T16:00:00.000Z', '2027-04-04T17:00:00.000Z'],
  ['America/St_Johns', '30 1 * * *', '2027-11-07T00:00:00Z', '2027-11-07T04:00:00.000Z', '2027-11-08T05:00:00.000Z'],
  ['Pacific/Chatham', '0 3 * * *', '2027-04-03T12:00:00Z', '2027-04-03T13:15:00.000Z', '2027-04-04T14:15:00.000Z'],
  ['Pacific/Auckland', '30 2 * * *', '2027-04-03T12:00:00Z', '2027-04-03T13:30:00.000Z', '2027-04-04T14:30:00.000Z'],
  ['Antarctica/Troll', '0 2 * * *', '2027-10-30T12:00:00Z', '2027-10-31T00:00:00.000Z', '2027-11-01T02:00:00.000Z'],
];

/** Zones without daylight saving, with odd offsets. */
const FIXED: Array<[string, string, string, string]> = [
  ['Asia/Kathmandu', '0 9 * * *', '2027-01-01T00:00:00Z', '2027-01-01T03:15:00.000Z'], // +5:45
  ['Asia/Kolkata', '30 9 * * *', '2027-06-01T00:00:00Z', '2027-06-01T04:00:00.000Z'], // +5:30
  ['Asia/Tehran', '0 8 * * *', '2027-06-01T00:00:00Z', '2027-06-01T04:30:00.000Z'], // +3:30
  ['Asia/Tokyo', '0 9 * * 1', '2027-01-01T00:00:00Z', '2027-01-04T00:00:00.000Z'], // +9, Mondays
  ['Pacific/Kiritimati', '0 0 1 1 *', '2026-12-31T00:00:00Z', '2026-12-31T10:00:00.000Z'], // +14
  ['America/Sao_Paulo', '0 12 * * *', '2027-06-01T00:00:00Z', '2027-06-01T15:00:00.000Z'], // -3
  ['UTC', '*/15 * * * *', '2027-06-01T00:07:00Z', '2027-06-01T00:15:00.000Z'],
];

describe('schedules in every IANA zone', () => {
  it.each(GAPS)('%s: %s in the spring-forward gap runs when the clocks jump', (zone, cron, after, expected) => {
    expect(nextOccurrence(cron, zone, new Date(after)).toISOString()).toBe(expected);
  });

  it.each(OVERLAPS)('%s: %s in the fall-back overlap runs once', (zone, cron, after, first, second) => {
    const one = nextOccurrence(cron, zone, new Date(after));
    expect(one.toISOString()).toBe(first);
    expect(nextOccurrence(cron, zone, one).toISOString()).toBe(second);
  });

  it.each(FIXED)('%s: %s', (zone, cron, after, expected) => {
    expect(nextOccurrence(cron, zone, new Date(after)).toISOString()).toBe(expected);
  });

  it('every minute through a gap and an overlap: strictly increasing, no instant twice, none inside the gap', () => {
    let at = new Date('2027-03-14T06:50:00Z'); // New York, 01:50 EST
    const seen: string[] = [];
    for (let i = 0; i < 20; i += 1) seen.push((at = nextOccurrence('*/5 * * * *', 'America/New_York', at)).toISOString());
    expect(seen.slice(0, 4)).toEqual(['2027-03-14T06:55:00.000Z', '2027-03-14T07:00:00.000Z', '2027-03-14T07:05:00.000Z', '2027-03-14T07:10:00.000Z']);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });

  it('scheduleGoal "15 2 3 10 *" in Australia/Lord_Howe runs next October, not a year late (the reported case)', async () => {
    const user = await signUpUser(server, 'LordHowe');
    const hire = async (key: string) => (await gqlAs(server, user, 'mutation($k: String!) { hireTeammate(input: { catalogKey: $k }) { ... on Teammate { id } } }', { k: key })).hireTeammate.id;
    const team = [await hire('researcher'), await hire('writer')];
    const { createThread } = await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: TEAM, teammateIds: $t, title: "Island" }) { ... on CreateThreadPayload { thread { id } } } }', { t: team });
    server.app.services.clock.now = () => new Date('2026-12-01T00:00:00Z');
    const { scheduleGoal } = await gqlAs(
      server,
      user,
      'mutation($input: ScheduleGoalInput!) { scheduleGoal(input: $input) { __typename ... on Schedule { nextRunAt } ... on Error { message } } }',
      { input: { threadId: createThread.thread.id, instruction: 'Research the ferry timetable', cron: '15 2 3 10 *', timezone: 'Australia/Lord_Howe' } },
    );
    expect(scheduleGoal).toEqual({ __typename: 'Schedule', nextRunAt: '2027-10-02T15:30:00.000Z' });
  });
});
