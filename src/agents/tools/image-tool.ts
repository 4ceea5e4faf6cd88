import { z } from 'zod';
import { insertMessageFiles } from '../../repositories/message-files.ts';
import { findReplyOfRun } from '../../repositories/messages.ts';
import { saveGeneratedFile } from '../../services/files.ts';
import { ASPECTS, drawOfflineImage, generateWithOpenAI, type Aspect, type GeneratedImage } from '../images/generate-images.ts';
import { defineTool, ToolError } from './types.ts';

/**
 * `generate_image`: makes 1–4 images from a prompt (OpenAI's images API, or a deterministic SVG
 * with the offline model), saves each as a file of the organisation (made by the teammate and the
 * run; FileEvents as it is stored and ingested) and attaches them to the reply being written.
 */
export const generateImageTool = defineTool({
  name: 'generate_image',
  description:
    'Generate images from a detailed prompt (subject, composition, style, palette, mood). They are saved as files and attached to your reply; say what you made, do not paste links.',
  input: z.object({
    prompt: z.string().trim().min(3).max(4000).describe('What to draw, in detail.'),
    aspect: z.enum(Object.keys(ASPECTS) as [Aspect, ...Aspect[]]).default('1:1').describe('Aspect ratio for the placement.'),
    count: z.number().int().min(1).max(4).default(1).describe('How many variants (1–4).'),
  }),
  async run(input, ctx) {
    const { services } = ctx;
    const reply = await findReplyOfRun(services.db, ctx.runId);
    if (!reply) throw new ToolError('There is no reply to attach images to (this is a question from a teammate); describe them instead.');
    const images: GeneratedImage[] =
      services.agents.provider.name === 'offline'
        ? Array.from({ length: input.count }, (_, i) => drawOfflineImage(input.prompt, input.aspect, i))
        : await generateWithOpenAI(services.config, input, ctx.signal);
    const slug = input.prompt.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'image';
    const files = [];
    for (const [i, image] of images.entries()) {
      const file = await saveGeneratedFile(services, {
        orgId: ctx.orgId,
        teammateId: ctx.teammate.id,
        runId: ctx.runId,
        name: `${slug}${images.length > 1 ? `-${i + 1}` : ''}.${image.extension}`,
        bytes: image.bytes,
        contentType: image.contentType,
        trustedContentType: image.contentType === 'image/svg+xml' ? image.contentType : undefined,
      });
      files.push(file);
    }
    await insertMessageFiles(services.db, ctx.orgId, reply.id, files.map((f) => f.id));
    return {
      summary: `Made ${files.length} image${files.length > 1 ? 's' : ''} (${input.aspect}), attached to your reply: ${files.map((f) => f.name).join(', ')}.`,
      data: { files: files.map((f) => ({ id: f.id, name: f.name, contentType: f.contentType })) },
    };
  },
});
