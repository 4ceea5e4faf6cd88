import { z } from 'zod';
import { TOOL_NAMES } from './tool-names.ts';

export const CATEGORIES = ['general', 'communication', 'creative', 'research', 'writing', 'analysis', 'operations'] as const;
export type Category = (typeof CATEGORIES)[number];

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #RRGGBB colour');

/**
 * A bundled teammate, one JSON file per teammate in `catalog/teammates/`. Validated at load; a
 * file that does not match stops the start with a message naming the file and the field.
 */
export const manifestSchema = z.strictObject({
  /** Stable identifier, kebab-case; also the default @handle. */
  key: z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be kebab-case, 2–40 characters'),
  /** Semantic version; bump it when the manifest changes. */
  version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version like 1.0.0'),
  /** First name the teammate goes by in chat, e.g. "Sam". */
  name: z.string().min(1).max(40),
  /** Job title, e.g. "Research analyst". */
  role: z.string().min(1).max(80),
  /** One or two sentences for the catalog card. */
  description: z.string().min(20).max(280),
  category: z.enum(CATEGORIES),
  /** How they come across: temperament, voice, quirks (second person or third person prose). */
  personality: z.string().min(40).max(2000),
  /** How they work: what they do, how they use tools, what they never do. */
  instructions: z.string().min(80).max(8000),
  appearance: z.strictObject({
    emoji: z.string().min(1).max(8),
    color: hexColor,
  }),
  /** Tools the teammate may call (see src/catalog/tool-names.ts). */
  tools: z.array(z.enum(TOOL_NAMES as [string, ...string[]])).min(1),
  /** Default model name; the installation's DEFAULT_MODEL or the offline model stand in when unavailable. */
  model: z.string().min(1).max(100),
  /** Short capability bullet points shown in the catalog. */
  capabilities: z.array(z.string().min(3).max(120)).min(2).max(8),
  /** Integrations the role will use once connected (mail, image generation…); informational. */
  integrations: z.array(z.string().min(2).max(60)).max(8).default([]),
  /** The starter teammate is hired for every new organisation. */
  starter: z.boolean().default(false),
  author: z.string().min(1).max(80),
});

export type Manifest = z.output<typeof manifestSchema>;
