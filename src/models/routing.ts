import { z } from 'zod';
import type { AuthoredMessage } from '../repositories/messages.ts';
import type { Teammate } from '../repositories/teammates.ts';
import { recordModelCall } from '../repositories/usage.ts';
import type { ModelServices } from './model-services.ts';
import { modelFor } from './providers/create-provider.ts';
import { collectText } from './providers/collect.ts';
import { withDeadline } from './deadline.ts';
import { isContinueRequest, lastCutOffReply } from './continuation.ts';

/** A teammate who may answer in a thread. */
export type Candidate = Pick<Teammate, 'id' | 'name' | 'key' | 'role' | 'description' | 'category' | 'model' | 'catalogKey'>;

/** How the responders of a message were chosen. */
export type RouteVia = 'direct' | 'mention' | 'only' | 'router' | 'fallback' | 'none';

export interface Route {
  teammateIds: string[];
  via: RouteVia;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Teammates @mentioned in a message, in order of first mention: by full name (spaces allowed), by
 * handle, or by first name when no other candidate shares it; case-insensitive, longest name wins
 * ("@Sam Lee" is Sam Lee, not Sam).
 */
export function mentionedTeammates(body: string, candidates: readonly Candidate[]): string[] {
  if (!body.includes('@')) return [];
  const firstNames = new Map<string, number>();
  for (const c of candidates) {
    const first = c.name.split(/\s+/)[0]!.toLowerCase();
    firstNames.set(first, (firstNames.get(first) ?? 0) + 1);
  }
  const names: Array<{ name: string; id: string }> = [];
  for (const c of candidates) {
    const first = c.name.split(/\s+/)[0]!.toLowerCase();
    names.push({ name: c.name.toLowerCase(), id: c.id }, { name: c.key.toLowerCase(), id: c.id });
    if (firstNames.get(first) === 1) names.push({ name: first, id: c.id });
  }
  names.sort((a, b) => b.name.length - a.name.length);
  const lower = body.toLowerCase();
  const found: string[] = [];
  for (let at = lower.indexOf('@'); at !== -1; at = lower.indexOf('@', at + 1)) {
    if (at > 0 && /[\p{L}\p{N}_.@]/u.test(lower[at - 1]!)) continue; // an email address, not a mention
    const hit = names.find((n) => new RegExp(`^${escape(n.name)}(?![\\p{L}\\p{N}_-])`, 'u').test(lower.slice(at + 1)));
    if (hit && !found.includes(hit.id)) found.push(hit.id);
  }
  return found;
}

const STOP_WORDS = new Set(
  'about above after again also could does doing done from have here into just know like make more most much need only other over please really should some someone something than that their them then there these they this those want what when where which while will with would your yours team teammate anyone help thanks'.split(' '),
);

/** Crude stems so "writing", "writer" and "write" meet ("writ"); enough for a deterministic fit. */
function stems(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.toLowerCase().match(/\p{L}{4,}/gu) ?? []) {
    if (STOP_WORDS.has(word)) continue;
    out.add(word.replace(/(ings?|ers?|ed|es|s)$/, '').replace(/e$/, '').slice(0, 5));
  }
  return out;
}

/**
 * The deterministic best fit by role for a request: the candidate whose name is written out, else
 * whose role, category and description share the most words with it (role words count double);
 * undefined when nobody clearly fits. The offline router, and the planner's "best fit by role".
 */
export function bestFitByRole<C extends Candidate>(text: string, candidates: readonly C[]): C | undefined {
  const lower = text.toLowerCase();
  const named = candidates.filter((c) => new RegExp(`(^|[^\\p{L}])${escape(c.name.toLowerCase())}(?![\\p{L}])`, 'u').test(lower));
  if (named.length === 1) return named[0];
  const wanted = stems(text);
  let best: C | undefined;
  let bestScore = 0;
  let tie = false;
  for (const c of candidates) {
    const role = stems(c.role);
    const rest = stems(`${c.category ?? ''} ${c.description ?? ''}`);
    let score = 0;
    for (const w of wanted) score += role.has(w) ? 2 : rest.has(w) ? 1 : 0;
    if (score > bestScore) [best, bestScore, tie] = [c, score, false];
    else if (score === bestScore && score > 0) tie = true;
  }
  return bestScore > 0 && !tie ? best : undefined;
}

/** The deterministic fallback: the last teammate who spoke in the thread, else its lead, else the first. */
export function fallbackResponder(candidates: readonly Candidate[], recent: readonly AuthoredMessage[], leadId: string | null): Candidate | undefined {
  const ids = new Set(candidates.map((c) => c.id));
  const lastSpeaker = [...recent].reverse().find((m) => m.authorTeammateId && ids.has(m.authorTeammateId))?.authorTeammateId;
  return candidates.find((c) => c.id === lastSpeaker) ?? candidates.find((c) => c.id === leadId) ?? candidates[0];
}

const routeAnswer = z.object({ teammate: z.string(), reason: z.string().optional() });

/**
 * Who answers a message in a team thread that names nobody: one model call over the roster and the
 * recent messages (a follow-up goes to whoever was talking, a new topic to the best fit), bounded
 * by ROUTER_TIMEOUT_MS. Anything that goes wrong — timeout, outage, an answer naming nobody on the
 * roster — falls back to the deterministic choice. Never everyone.
 */
export async function routeMessage(
  services: Pick<ModelServices, 'agents' | 'config' | 'db' | 'logger'>,
  input: { orgId: string; body: string; candidates: Candidate[]; recent: AuthoredMessage[]; leadId: string | null },
): Promise<Route> {
  const { candidates, recent } = input;
  if (candidates.length === 0) return { teammateIds: [], via: 'none' };
  if (candidates.length === 1) return { teammateIds: [candidates[0]!.id], via: 'only' };
  const fallback = (): Route => ({ teammateIds: [fallbackResponder(candidates, recent, input.leadId)!.id], via: 'fallback' });
  // "continue" after a reply that was cut off goes to the teammate who was cut off.
  const cutOff = isContinueRequest(input.body) ? lastCutOffReply(recent)?.authorTeammateId : undefined;
  if (cutOff && candidates.some((c) => c.id === cutOff)) return { teammateIds: [cutOff], via: 'fallback' };
  const provider = services.agents.provider;
  if (provider.name === 'offline') {
    const fit = bestFitByRole(input.body, candidates);
    return fit ? { teammateIds: [fit.id], via: 'router' } : fallback();
  }
  const lead = candidates.find((c) => c.id === input.leadId) ?? candidates[0]!;
  const model = modelFor(provider, services.config, lead);
  const roster = candidates.map((c) => `- ${c.key}: ${c.name}, ${c.role}${c.description ? ` — ${c.description}` : ''}`).join('\n');
  const transcript = recent
    .slice(-10)
    .map((m) => `${m.authorName}: ${m.body.replace(/\s+/g, ' ').slice(0, 400)}`)
    .join('\n');
  const started = Date.now();
  try {
    // The whole of routing, the SDK's retries included, within ROUTER_TIMEOUT_MS.
    const { text, usage } = await withDeadline(services.config.agents.routerTimeoutMs, (signal) => collectText(
      provider,
      {
        model,
        temperature: 0,
        maxTokens: 100,
        responseFormat: {
          name: 'responder',
          schema: {
            type: 'object',
            properties: { teammate: { type: 'string', enum: candidates.map((c) => c.key) }, reason: { type: 'string' } },
            required: ['teammate', 'reason'],
            additionalProperties: false,
          },
        },
        messages: [
          {
            role: 'system',
            content:
              'You route messages in a team chat to the one AI teammate who should answer. A follow-up to an ongoing exchange goes to the teammate who was answering; a new request goes to the teammate whose role fits it best. Answer with JSON: {"teammate": "<handle>", "reason": "<few words>"}.',
          },
          { role: 'user', content: `Teammates (handle: name, role):\n${roster}\n\nRecent messages:\n${transcript || '(none)'}\n\nNew message:\n${input.body.slice(0, 2_000)}` },
        ],
      },
      signal,
    ));
    await recordModelCall(services.db, { orgId: input.orgId, kind: 'routing', model, ...usage, durationMs: Date.now() - started });
    const parsed = routeAnswer.safeParse(JSON.parse(text.trim().replace(/^```(?:json)?|```$/g, '')));
    const chosen = parsed.success ? candidates.find((c) => c.key === parsed.data.teammate.trim().replace(/^@/, '').toLowerCase()) : undefined;
    return chosen ? { teammateIds: [chosen.id], via: 'router' } : fallback();
  } catch (error) {
    services.logger.warn({ err: error }, 'routing failed; using the deterministic fallback');
    return fallback();
  }
}
