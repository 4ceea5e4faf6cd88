import { z } from 'zod';
import { findRun } from '../../repositories/runs.ts';
import { findHiredTeammateByName } from '../../repositories/teammates.ts';
import { defineTool, ToolError } from './types.ts';

/** How deep delegation may go: a teammate asked by a teammate may ask once more, no further. */
export const MAX_DELEGATION_DEPTH = 2;

/**
 * `ask_teammate`: hands a question to another hired teammate of the organisation. Their work is a
 * child run of this one (visible with its own steps and usage) run right away in this worker, and
 * their answer comes back as the tool's result.
 */
export const askTeammateTool = defineTool({
  name: 'ask_teammate',
  description:
    'Ask another teammate of the team a question or hand them a piece of work, and get their answer back. Give them all the context they need; they do not see your instructions. Relay their answer accurately and credit them.',
  input: z.object({
    teammate: z.string().trim().min(1).max(60).describe('Their name or @handle, e.g. "Amara" or "researcher".'),
    question: z.string().trim().min(1).max(8_000).describe('The question or task, with the context they need.'),
  }),
  async run(input, ctx) {
    const run = await findRun(ctx.services.db, ctx.runId);
    if (!run) throw new ToolError('this run no longer exists');
    if (run.depth >= MAX_DELEGATION_DEPTH) throw new ToolError('you were asked by a teammate yourself; answer with what you know instead of asking further');
    const other = await findHiredTeammateByName(ctx.services.db, ctx.orgId, input.teammate);
    if (!other) throw new ToolError(`nobody called "${input.teammate}" is on the team; ask someone who is, or answer yourself`);
    if (other.id === ctx.teammate.id) throw new ToolError('that is you; answer yourself');
    const child = await ctx.services.agents.delegate({ parent: run, teammate: other, question: input.question, signal: ctx.signal, askedBy: ctx.teammate.name });
    if (child.status !== 'succeeded') {
      throw new ToolError(`${other.name} could not answer (${child.status}${child.error ? `: ${child.error}` : ''})`);
    }
    return {
      summary: `${other.name} (${other.role}) answered: ${child.output ?? ''}`,
      data: { teammate: other.name, runId: child.id, answer: child.output ?? '' },
    };
  },
});
