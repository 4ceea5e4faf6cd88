import { knownTeammateNames } from '../repositories/teammate-names.ts';
import type { Teammate } from '../repositories/teammates.ts';
import type { Executor } from '../db/database.ts';
import { ValidationError } from './errors.ts';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Teammates a goal's instruction names who are not on the thread's team: names of the
 * organisation's teammates and of the catalog written as a word with its capital ("Amara and
 * Rohan: research pricing"), or `@name` in any case. Names of teammates on the team never count.
 */
export function absentTeammatesNamed(instruction: string, known: readonly string[], team: readonly Pick<Teammate, 'name' | 'key'>[]): string[] {
  const present = new Set(team.flatMap((t) => [t.name.toLowerCase(), t.key.toLowerCase()]));
  const absent: Array<{ name: string; at: number }> = [];
  for (const name of [...new Set(known)].sort((a, b) => b.length - a.length)) {
    if (!name.trim() || present.has(name.toLowerCase()) || absent.some((a) => a.name.toLowerCase() === name.toLowerCase())) continue;
    const word = new RegExp(`(?<![\\p{L}\\p{N}_])${escape(name)}(?![\\p{L}\\p{N}_])`, 'u');
    const mention = new RegExp(`(?<![\\p{L}\\p{N}_.])@${escape(name)}(?![\\p{L}\\p{N}_])`, 'iu');
    const at = [word.exec(instruction)?.index, mention.exec(instruction)?.index].filter((i) => i !== undefined);
    if (at.length > 0) absent.push({ name, at: Math.min(...at) });
  }
  return absent.sort((a, b) => a.at - b.at).map((a) => a.name);
}

/**
 * Refuses a goal whose instruction names teammates who are not on the thread's team, with a
 * ValidationError on `instruction` naming them — rather than quietly giving their work to someone
 * else. (The choice, documented in the README: refuse, so the person decides who does the work.)
 */
export async function assertNamedTeammatesPresent(db: Executor, orgId: string, instruction: string, team: readonly Teammate[]): Promise<void> {
  const absent = absentTeammatesNamed(instruction, await knownTeammateNames(db, orgId), team);
  if (absent.length === 0) return;
  const list = absent.length === 1 ? absent[0]! : `${absent.slice(0, -1).join(', ')} and ${absent.at(-1)}`;
  const verb = absent.length === 1 ? 'is' : 'are';
  throw new ValidationError([
    { field: 'instruction', message: `${list} ${verb} not on this thread’s team; add them to the thread (hiring first if need be), or name someone who is here` },
  ]);
}
