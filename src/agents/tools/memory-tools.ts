import { z } from 'zod';
import { insertMemories, searchMemories } from '../../repositories/memories.ts';
import { defineTool, ToolError } from './types.ts';
import { normaliseText, searchText } from '../../services/text.ts';
import { ValidationError } from '../../services/errors.ts';

/** A person's ValidationError becomes a ToolError the model reads (and can fix). */
function asTool<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw error instanceof ValidationError ? new ToolError(error.message) : error;
  }
}

/** `remember`: the teammate keeps a long-term note (visible and editable by the organisation). */
export const rememberTool = defineTool({
  name: 'remember',
  description:
    'Save a durable note in your long-term memory (names, preferences, decisions, deadlines, how the team likes things done). Not for small talk. Set thread_only for notes that only matter in this conversation.',
  input: z.object({
    content: z.string().trim().min(1).max(4000).describe('The note, as a self-contained sentence.'),
    thread_only: z.boolean().optional().describe('Keep the note for this thread only.'),
  }),
  async run(input, ctx) {
    const content = asTool(() => normaliseText(input.content, 'content', { max: 4000, multiline: true }));
    const [memory] = await insertMemories(ctx.services.db, [
      {
        orgId: ctx.orgId,
        teammateId: ctx.teammate.id,
        content,
        createdByRun: ctx.runId,
        threadId: input.thread_only ? ctx.thread.id : null,
      },
    ]);
    return { summary: `Saved to memory: "${content}"`, data: { id: memory!.id } };
  },
});

/** `recall`: searches the teammate's notes (its own and this thread's). */
export const recallTool = defineTool({
  name: 'recall',
  description: 'Search your long-term memory notes. Use before answering questions about past agreements, preferences or decisions.',
  input: z.object({
    query: z.string().trim().max(500).default('').describe('Words to look for; empty for the newest notes.'),
    limit: z.number().int().min(1).max(50).default(10),
  }),
  async run(input, ctx) {
    const notes = await searchMemories(ctx.services.db, ctx.orgId, ctx.teammate.id, ctx.thread.id, searchText(input.query), input.limit);
    if (notes.length === 0) return { summary: input.query ? `No notes about "${input.query}".` : 'No notes yet.', data: { notes: [] } };
    return {
      summary: notes.map((n) => `- ${n.content}`).join('\n'),
      data: { notes: notes.map((n) => ({ content: n.content, savedAt: n.createdAt.toISOString() })) },
    };
  },
});
