import { z } from 'zod';
import { listAuthoredMessages } from '../../repositories/messages.ts';
import { defineTool } from './types.ts';
import { searchText } from '../../services/text.ts';

const MAX_CHARS = 1_500;

/** `thread_history`: reads earlier messages of the current thread (paging back, or by a phrase). */
export const threadHistoryTool = defineTool({
  name: 'thread_history',
  description:
    'Read earlier messages of this thread (of the current session), newest last. Page back with before_seq; use contains to find where something was said.',
  input: z.object({
    before_seq: z.number().int().min(1).optional().describe('Only messages before this position.'),
    contains: z.string().trim().min(2).max(200).optional().describe('Only messages containing this text (case-insensitive).'),
    limit: z.number().int().min(1).max(50).default(20),
  }),
  async run(input, ctx) {
    const messages = await listAuthoredMessages(ctx.services.db, ctx.thread.id, {
      afterSeq: ctx.thread.sessionStartSeq, // a reset session starts fresh for teammates too
      beforeSeq: input.before_seq,
      contains: input.contains === undefined ? undefined : searchText(input.contains) || undefined,
      limit: input.limit,
    });
    const lines = messages.map((m) => {
      const body = m.body.length > MAX_CHARS ? `${m.body.slice(0, MAX_CHARS)}…` : m.body;
      return `#${m.seq} ${m.authorName}: ${body.replace(/\s+/g, ' ')}`;
    });
    return {
      summary: lines.length ? lines.join('\n') : 'No such messages.',
      data: { messages: messages.map((m) => ({ seq: m.seq, author: m.authorName, at: m.createdAt.toISOString() })), oldestSeq: messages[0]?.seq ?? null },
    };
  },
});
