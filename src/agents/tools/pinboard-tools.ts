import { encodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { AppError, ValidationError } from '../../services/errors.ts';
import { createPinboardPost, listPinboardPosts, MAX_SEARCH, prioritySchema, type PinboardActor } from '../../services/pinboard.ts';
import { defineTool, ToolError, type ToolContext } from './types.ts';

/**
 * The pinboard, for teammates: the same service as `createPinboardPost` / `pinboard` in GraphQL, so
 * slugs, excerpts, validation and live events follow the same rules. The teammate is the author,
 * and the run and its thread are recorded as the post's source.
 */

function actorOf(ctx: ToolContext): PinboardActor {
  if (ctx.teammate.orgId !== ctx.orgId || ctx.thread.orgId !== ctx.orgId) {
    throw new Error('tool context mixes organisations: the teammate and the thread must belong to ctx.orgId');
  }
  return { kind: 'teammate', orgId: ctx.orgId, teammateId: ctx.teammate.id, threadId: ctx.thread.id, runId: ctx.runId };
}

const describeIssues = (issues: Array<{ field: string; message: string }>) =>
  `Invalid input: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`;

/** Arguments are checked here too, so `run` is safe to call with whatever a model wrote. */
function parseArgs<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ToolError(describeIssues(result.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'input', message: i.message }))));
}

/** Expected failures of the service (a too-long title, a bad tag…) go back to the model to fix or retry. */
async function asTool<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ValidationError) throw new ToolError(describeIssues(error.issues));
    if (error instanceof AppError) throw new ToolError(error.message);
    throw error;
  }
}

const postInput = z.object({
  title: z.string().describe('A short title (up to 200 characters).'),
  body: z.string().describe('The post, in markdown.'),
  priority: prioritySchema.optional().describe('low, normal (the default), high or urgent.'),
  tags: z.array(z.string()).optional().describe('Up to 10 short tags: letters, digits, - and _, e.g. ["launch", "q3"].'),
  pinned: z.boolean().optional().describe('Keep it at the top of the pinboard (default false).'),
  sources: z
    .array(z.object({ url: z.string().describe('An http or https URL.'), label: z.string().describe('What to call it.') }))
    .optional()
    .describe('What the post draws on, to cite: up to 20 { url, label } (http and https only).'),
});

export const pinboardPostTool = defineTool({
  name: 'pinboard_post',
  description:
    'Pin a post to the team’s pinboard, where everyone in the organisation finds it later: decisions, plans, summaries, reports, ' +
    'anything worth keeping beyond this conversation. Give a short title and a markdown body; optionally a priority, tags, ' +
    'pinned to keep it at the top, and the sources you drew on.',
  input: postInput,
  async run(input, ctx) {
    const values = parseArgs(postInput, input);
    const post = await asTool(() => createPinboardPost(ctx.services, actorOf(ctx), values));
    return {
      summary: `Pinned "${post.title}" (/${post.slug})`,
      data: { id: encodeGlobalID('PinboardPost', post.id), slug: post.slug, title: post.title },
    };
  },
});

export const DEFAULT_SEARCH_LIMIT = 5;

const searchInput = z.object({
  query: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_SEARCH, `must be at most ${MAX_SEARCH} characters`)
    .describe('Words to look for in titles, tags and bodies; "a quoted phrase" and -excluded words work.'),
  tag: z.string().optional().describe('Only posts with this tag.'),
  limit: z.number().int().min(1).max(10).optional().describe(`How many results, 1–10 (default ${DEFAULT_SEARCH_LIMIT}).`),
});

export const pinboardSearchTool = defineTool({
  name: 'pinboard_search',
  description:
    'Search the team’s pinboard for what the team already wrote down or decided. Returns the best matches first, ' +
    'each with its title, slug, an excerpt and its priority.',
  input: searchInput,
  async run(input, ctx) {
    const values = parseArgs(searchInput, input);
    const posts = await asTool(() =>
      listPinboardPosts(ctx.services, actorOf(ctx).orgId, { search: values.query, tag: values.tag }, {
        limit: values.limit ?? DEFAULT_SEARCH_LIMIT,
        inverted: false,
      }),
    );
    const matches = posts.map((p) => ({
      id: encodeGlobalID('PinboardPost', p.id),
      title: p.title,
      slug: p.slug,
      excerpt: p.excerpt,
      priority: p.priority,
      pinned: p.pinned,
      tags: p.tags,
    }));
    const where = values.tag ? ` tagged "${values.tag}"` : '';
    const summary =
      matches.length === 0
        ? `No pinboard posts${where} match "${values.query}".`
        : `${matches.length} pinboard post${matches.length === 1 ? '' : 's'}${where} match "${values.query}": ` +
          matches.map((m) => `"${m.title}" (/${m.slug})`).join(', ');
    return { summary, data: { matches } };
  },
});
