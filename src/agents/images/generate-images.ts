import { createHash } from 'node:crypto';
import OpenAI, { APIError } from 'openai';
import type { Config } from '../../config/config.ts';
import { ToolError } from '../tools/types.ts';

/** Aspect ratios the `generate_image` tool accepts, and the images API size each maps to. */
export const ASPECTS = { '1:1': '1024x1024', '3:2': '1536x1024', '2:3': '1024x1536', '16:9': '1536x1024', '9:16': '1024x1536', '4:3': '1536x1024', '3:4': '1024x1536' } as const;
export type Aspect = keyof typeof ASPECTS;

/** One generated image: its bytes, media type and a file name extension. */
export interface GeneratedImage {
  bytes: Uint8Array;
  contentType: string;
  extension: string;
}

/**
 * Images from OpenAI's images API (IMAGE_MODEL, default gpt-image-1; OPENAI_BASE_URL servers that
 * implement it too). Returns PNGs. Refusals and failures become a ToolError the model reads.
 */
export async function generateWithOpenAI(config: Config, input: { prompt: string; aspect: Aspect; count: number }, signal: AbortSignal): Promise<GeneratedImage[]> {
  const client = new OpenAI({ apiKey: config.openai.apiKey ?? 'not-needed', baseURL: config.openai.baseUrl, maxRetries: config.agents.maxRetries, timeout: config.agents.timeoutMs });
  const model = config.images.model;
  try {
    const response = await client.images.generate(
      { model, prompt: input.prompt, n: input.count, size: ASPECTS[input.aspect], ...(model.startsWith('dall-e') ? { response_format: 'b64_json' as const } : {}) },
      { signal },
    );
    const images = (response.data ?? []).filter((d) => d.b64_json).map((d) => ({ bytes: new Uint8Array(Buffer.from(d.b64_json!, 'base64')), contentType: 'image/png', extension: 'png' }));
    if (images.length === 0) throw new ToolError('The image service returned no image.');
    return images;
  } catch (error) {
    if (error instanceof ToolError) throw error;
    if (error instanceof APIError) throw new ToolError(`The image service refused (${error.status ?? 'no status'}): ${error.message}`);
    throw new ToolError(`Could not reach the image service: ${(error as Error).message}`);
  }
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The offline model's image: a deterministic SVG drawn from the prompt (same prompt, aspect and
 * index → same bytes): a gradient, a few shapes placed from the prompt's hash, and the prompt as a
 * caption. No scripts, no external references.
 */
export function drawOfflineImage(prompt: string, aspect: Aspect, index: number): GeneratedImage {
  const [w, h] = ASPECTS[aspect].split('x').map(Number) as [number, number];
  const hash = createHash('sha256').update(`${prompt}\u0000${aspect}\u0000${index}`).digest();
  const hue = (i: number) => Math.round((hash[i]! / 255) * 360);
  const shapes = Array.from({ length: 5 }, (_, i) => {
    const x = Math.round((hash[4 + i]! / 255) * w);
    const y = Math.round((hash[9 + i]! / 255) * h);
    const r = Math.round(40 + (hash[14 + i]! / 255) * Math.min(w, h) * 0.25);
    return `<circle cx="${x}" cy="${y}" r="${r}" fill="hsl(${hue(19 + i)},70%,60%)" fill-opacity="0.55"/>`;
  }).join('');
  const caption = escape(prompt.length > 80 ? `${prompt.slice(0, 79)}…` : prompt);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue(0)},60%,35%)"/><stop offset="1" stop-color="hsl(${hue(1)},60%,20%)"/></linearGradient></defs>` +
    `<rect width="${w}" height="${h}" fill="url(#g)"/>${shapes}` +
    `<text x="${w / 2}" y="${h - 48}" font-family="sans-serif" font-size="32" fill="#fff" text-anchor="middle">${caption}</text>` +
    `</svg>\n`;
  return { bytes: new TextEncoder().encode(svg), contentType: 'image/svg+xml', extension: 'svg' };
}
