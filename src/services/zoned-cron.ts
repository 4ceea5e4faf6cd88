import { CronExpressionParser } from 'cron-parser';

/**
 * Next occurrences of a five-field cron expression in an IANA time zone, right in every zone:
 * whole-hour, 30- and 45-minute offsets and daylight-saving shifts (Australia/Lord_Howe moves by 30
 * minutes, Antarctica/Troll by 2 hours).
 *
 * cron-parser enumerates the matching wall-clock times (in UTC, where every wall time exists
 * exactly once); this module turns each into an instant with the zone's rules from `Intl`:
 * * a wall time that does not exist (in a spring-forward gap) runs at the next valid instant, the
 *   moment the clocks jump (02:15 in a 02:00→02:30 gap runs at 02:30);
 * * a wall time that happens twice (in a fall-back overlap) runs once, at its first occurrence.
 * (cron-parser 5.10 with `tz` skips a gap time to the next year when the day matches only once,
 * e.g. "15 2 3 10 *" in Lord Howe in 2027.)
 */

/** The largest change of a zone's UTC offset at one transition (Antarctica/Troll: 2 hours), with margin. */
const MAX_SHIFT_MS = 3 * 3_600_000;
/** Matching wall times looked at before giving up (an expression that never matches again, e.g. 30 February). */
const MAX_CANDIDATES = 10_000;

const formats = new Map<string, Intl.DateTimeFormat>();
function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/** The wall-clock time at `instant` in `timeZone`, as milliseconds of the same fields read as UTC. */
export function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatIn(timeZone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const ms = ((instant % 1000) + 1000) % 1000;
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!, ms);
}

/** UTC offset of `timeZone` at `instant`, in milliseconds (east positive). */
const offsetAt = (instant: number, timeZone: string) => wallClock(instant, timeZone) - instant;

/**
 * The instant of a wall-clock time (fields read as UTC) in `timeZone`: its first occurrence when
 * it happens twice, the moment the clocks jump when it does not exist.
 */
export function instantOf(wall: number, timeZone: string): number {
  const offsets = [...new Set([offsetAt(wall - 86_400_000, timeZone), offsetAt(wall, timeZone), offsetAt(wall + 86_400_000, timeZone)])];
  const valid = offsets.map((o) => wall - o).filter((t) => wallClock(t, timeZone) === wall);
  if (valid.length > 0) return Math.min(...valid);
  // In a gap: the jump lies between the wall time read with the later offset (before the jump)
  // and with the earlier one (after it); find the first instant whose wall clock is past `wall`.
  let low = Math.min(...offsets.map((o) => wall - o));
  let high = Math.max(...offsets.map((o) => wall - o));
  while (high - low > 1_000) {
    const mid = Math.floor((low + high) / 2 / 1_000) * 1_000;
    if (mid <= low) break;
    if (wallClock(mid, timeZone) > wall) high = mid;
    else low = mid;
  }
  return high;
}

/** The first occurrence of a five-field cron expression strictly after `after`, in `timeZone`. */
export function nextZonedOccurrence(cron: string, timeZone: string, after: Date): Date {
  const at = after.getTime();
  const now = wallClock(at, timeZone);
  const offset = now - at;
  // Near a transition, wall times a little before `now` may map after `after` (a repeated hour):
  // look back. Elsewhere wall time and instant move together, and the next wall time is the answer.
  const steady = offsetAt(at - MAX_SHIFT_MS, timeZone) === offset && offsetAt(at + MAX_SHIFT_MS, timeZone) === offset;
  const walls = CronExpressionParser.parse(cron, { currentDate: new Date(steady ? now : now - MAX_SHIFT_MS), tz: 'UTC' });
  for (let i = 0; i < MAX_CANDIDATES; i += 1) {
    const instant = instantOf(walls.next().getTime(), timeZone);
    if (instant > after.getTime()) return new Date(instant);
  }
  throw new Error(`"${cron}" has no occurrence in ${timeZone} after ${after.toISOString()} within ${MAX_CANDIDATES} matches`);
}
