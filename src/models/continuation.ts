import type { AuthoredMessage } from '../repositories/messages.ts';

/** "continue", "go on", "keep going"… (a few languages), alone in a message. */
const CONTINUE = /^\s*(?:please\s+)?(?:continue|go on|keep going|carry on|more|weiter|continúa|continua|continuez|ga door|devam)(?:\s+please)?[\s.!…]*$/iu;

/** Whether a message asks a teammate to carry on with what it was saying. */
export function isContinueRequest(body: string): boolean {
  return CONTINUE.test(body);
}

/** The newest teammate reply among `recent` when it was cut off at the model's length limit. */
export function lastCutOffReply(recent: readonly AuthoredMessage[], teammateId?: string): AuthoredMessage | undefined {
  const last = [...recent].reverse().find((m) => m.authorKind === 'teammate' && (!teammateId || m.authorTeammateId === teammateId));
  return last?.finishReason === 'length' ? last : undefined;
}

/** Characters of a cut-off reply quoted back to its teammate so it knows where it stopped. */
const TAIL_CHARS = 300;

/**
 * What a teammate is told when its previous reply in the thread was cut off (finish reason
 * LENGTH): that it was, where it stopped, and to carry on from there without repeating itself
 * when asked to continue. Null when its last reply ended normally.
 */
export function continuationNote(lines: readonly AuthoredMessage[], teammateId: string): string | null {
  const cut = lastCutOffReply(lines, teammateId);
  if (!cut) return null;
  const tail = cut.body.slice(-TAIL_CHARS);
  return [
    '## Your previous reply was cut off',
    `Your last reply in this thread stopped mid-way: it reached the model's length limit. It ended with:\n«…${tail}»`,
    'If you are asked to continue (or nothing else is asked), carry on exactly where it stopped — mid-sentence if need be — without repeating what you already wrote and without a preamble.',
  ].join('\n');
}
