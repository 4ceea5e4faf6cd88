import { z } from 'zod';
import type { Manifest } from '../catalog/manifest.ts';
import { CATEGORIES } from '../catalog/manifest.ts';
import { isAcceptedModel, KNOWN_MODELS } from '../models/models.ts';
import { BASE_TOOLS, TOOL_NAMES } from '../catalog/tool-names.ts';
import { planOf } from './plan-in-force.ts';
import { isMcpToolName } from '../catalog/mcp-tool-names.ts';
import type { Config } from '../config/config.ts';
import type { Executor } from '../db/database.ts';
import { findCatalogEntry, listStarterEntries } from '../repositories/catalog.ts';
import { insertMemories, memoriesOfTeammates } from '../repositories/memories.ts';
import { lockOrg } from '../repositories/orgs.ts';
import {
  countHired,
  findTeammate,
  findTeammateByCatalogKey,
  insertTeammate,
  keysInOrg,
  setStatus,
  updatePersona,
  type Persona,
  type Teammate,
} from '../repositories/teammates.ts';
import type { AppServices } from '../core/context.ts';
import { transactionWithEvents } from '../realtime/transactional.ts';
import { announceTeammateJoined, announceTeammateLeft } from './threads.ts';
import { ForbiddenError, NotFoundError, PlanLimitError } from './errors.ts';
import { parseInput } from './validation.ts';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { textSchema } from './text.ts';
import { expectedRevisionOf, expectRevision } from './revisions.ts';

export function personaFromManifest(manifest: Manifest): Persona {
  return {
    name: manifest.name,
    role: manifest.role,
    description: manifest.description,
    category: manifest.category,
    personality: manifest.personality,
    instructions: manifest.instructions,
    model: manifest.model,
    tools: manifest.tools,
    appearance: manifest.appearance,
  };
}

function requireManager(viewer: Viewer): void {
  if (!canManageOrg(viewer.role)) throw new ForbiddenError('Only owners and admins can change the team');
}

/**
 * Checks the plan's teammate cap. Must run inside the transaction that adds the teammate, after
 * `lockOrg`: the lock serialises concurrent hires in one organisation, so the count stays true.
 */
async function assertTeammateCapacity(services: AppServices, trx: Executor, orgId: string): Promise<void> {
  const max = (await planOf(services, trx, orgId)).limits.teammates;
  if (max !== null && (await countHired(trx, orgId)) >= max) {
    throw new PlanLimitError('teammates', max, `Your plan allows ${max} hired teammates; dismiss one or upgrade to add more`);
  }
}

/** A handle unique in the org: `sam`, then `sam-2`, `sam-3`… (the org row is locked by the caller). */
async function uniqueKey(trx: Executor, orgId: string, wanted: string): Promise<string> {
  const base =
    wanted
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 32) || 'teammate';
  const taken = await keysInOrg(trx, orgId, base);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Adds a teammate under the org lock and the plan cap. */
async function addTeammate(
  services: AppServices,
  trx: Executor,
  viewer: Viewer,
  values: Persona & { catalogKey: string | null; key: string },
): Promise<Teammate> {
  const org = await lockOrg(trx, viewer.org.id);
  if (!org) throw new NotFoundError('Organisation');
  await assertTeammateCapacity(services, trx, org.id);
  return insertTeammate(trx, {
    ...values,
    orgId: org.id,
    key: await uniqueKey(trx, org.id, values.key),
    createdBy: viewer.user.id,
  });
}

/** Hires a catalog teammate; hiring one already on the team returns it, a dismissed one comes back. */
export async function hireTeammate(services: AppServices, viewer: Viewer, input: { catalogKey: string }): Promise<Teammate> {
  requireManager(viewer);
  const entry = await findCatalogEntry(services.db, input.catalogKey);
  if (!entry) throw new NotFoundError('CatalogTeammate');
  return transactionWithEvents(services, async (trx, emit) => {
    const org = await lockOrg(trx, viewer.org.id);
    if (!org) throw new NotFoundError('Organisation');
    const existing = await findTeammateByCatalogKey(trx, org.id, entry.key);
    if (existing?.status === 'hired') return existing;
    await assertTeammateCapacity(services, trx, org.id);
    const teammate = existing
      ? await setStatus(trx, existing.id, 'hired')
      : await insertTeammate(trx, {
          ...personaFromManifest(entry.manifest),
          orgId: org.id,
          key: await uniqueKey(trx, org.id, entry.key),
          catalogKey: entry.key,
          createdBy: viewer.user.id,
        });
    await announceTeammateJoined(trx, emit, teammate, viewer.user.id);
    return teammate;
  });
}

/** Hires the catalog's starter teammates into a brand-new organisation (onboarding). */
export async function hireStarterTeammates(trx: Executor, orgId: string, userId: string): Promise<Teammate[]> {
  const starters = await listStarterEntries(trx);
  const hired: Teammate[] = [];
  for (const starter of starters) {
    hired.push(
      await insertTeammate(trx, {
        ...personaFromManifest(starter.manifest),
        orgId,
        key: starter.key,
        catalogKey: starter.key,
        createdBy: userId,
      }),
    );
  }
  return hired;
}

/** Takes a teammate off the team. Their threads, messages and memories stay; hiring again restores them. */
export async function dismissTeammate(services: AppServices, viewer: Viewer, teammateId: string): Promise<Teammate> {
  requireManager(viewer);
  return transactionWithEvents(services, async (trx, emit) => {
    const teammate = await findTeammate(trx, viewer.org.id, teammateId, true);
    if (!teammate) throw new NotFoundError('Teammate');
    if (teammate.status === 'dismissed') return teammate;
    const dismissed = await setStatus(trx, teammate.id, 'dismissed');
    await announceTeammateLeft(trx, emit, dismissed);
    return dismissed;
  });
}

const hexColor = z.string().trim().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #4F46E5');

function personaFields(config: Config) {
  return {
    name: textSchema({ max: 40 }),
    role: textSchema({ max: 80 }),
    description: textSchema({ max: 280, allowBlank: true }).nullish(),
    category: z.enum(CATEGORIES).nullish(),
    personality: textSchema({ max: 2000, multiline: true }),
    instructions: textSchema({ max: 8000, multiline: true }),
    model: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .refine((m) => isAcceptedModel(config, m), {
        message: `is not a known model (${KNOWN_MODELS.join(', ')}); set OPENAI_BASE_URL to use other models`,
      })
      .nullish(),
    tools: z
      .array(z.string())
      .max(TOOL_NAMES.length + 50)
      .superRefine((tools, ctx) => {
        const unknown = tools.filter((t) => !(TOOL_NAMES as string[]).includes(t) && !isMcpToolName(t)); // MCP tools: <server>.<tool>
        if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown tools: ${unknown.join(', ')} (known: ${TOOL_NAMES.join(', ')})` });
      })
      .nullish(),
    emoji: z.string().trim().min(1).max(8, 'must be one emoji').nullish(),
    color: hexColor.nullish(),
  };
}

type PersonaInput = { [K in keyof ReturnType<typeof personaFields>]?: unknown };

function toPersona(values: z.output<z.ZodObject<ReturnType<typeof personaFields>>>): Persona {
  return {
    name: values.name,
    role: values.role,
    description: values.description ?? null,
    category: values.category ?? null,
    personality: values.personality,
    instructions: values.instructions,
    model: values.model ?? null,
    tools: [...new Set([...BASE_TOOLS, ...(values.tools ?? [])])],
    appearance: { emoji: values.emoji ?? '🙂', color: values.color ?? '#64748B' },
  };
}

export async function createTeammate(services: AppServices, viewer: Viewer, input: PersonaInput): Promise<Teammate> {
  const values = parseInput(z.object(personaFields(services.config)), input);
  requireManager(viewer);
  const persona = toPersona(values);
  return transactionWithEvents(services, async (trx, emit) => {
    const teammate = await addTeammate(services, trx, viewer, { ...persona, catalogKey: null, key: persona.name });
    await announceTeammateJoined(trx, emit, teammate, viewer.user.id);
    return teammate;
  });
}

export async function updateTeammate(
  services: Pick<AppServices, 'config' | 'db'>,
  viewer: Viewer,
  teammateId: string,
  input: PersonaInput,
): Promise<Teammate> {
  const values = parseInput(z.object(personaFields(services.config)).partial(), input);
  requireManager(viewer);
  return services.db.transaction().execute(async (trx) => {
    const teammate = await findTeammate(trx, viewer.org.id, teammateId, true);
    if (!teammate) throw new NotFoundError('Teammate');
    if (teammate.catalogKey) {
      throw new ForbiddenError('Catalog teammates follow their catalog entry; create your own teammate to customise one');
    }
    await expectRevision(trx, 'teammates', teammate.id, expectedRevisionOf(input));
    const { emoji, color, tools, ...rest } = values;
    return updatePersona(trx, teammate.id, {
      ...rest,
      ...(tools != null ? { tools: [...new Set([...BASE_TOOLS, ...tools])] } : {}),
      ...(emoji != null || color != null
        ? { appearance: { emoji: emoji ?? teammate.appearance.emoji, color: color ?? teammate.appearance.color } }
        : {}),
    } as Partial<Persona>);
  });
}

/** The portable document format: a teammate and its memories, to move between installations. */
const DOCUMENT_FORMAT = 'tmates.teammate';
const documentSchema = (config: Config) =>
  z.object({
    format: z.literal(DOCUMENT_FORMAT, { message: `must be "${DOCUMENT_FORMAT}"` }),
    version: z.literal(1, { message: 'must be 1' }),
    teammate: z.object({
      ...personaFields(config),
      appearance: z.object({ emoji: z.string().min(1).max(8), color: hexColor }).optional(),
      catalogKey: z.string().nullish(),
    }),
    memories: z.array(z.object({ content: z.string().trim().min(1).max(4000) })).max(1000).default([]),
  });

export interface TeammateDocument {
  format: typeof DOCUMENT_FORMAT;
  version: 1;
  exportedAt: string;
  teammate: Persona & { catalogKey: string | null; emoji: string; color: string };
  memories: Array<{ content: string; createdAt: string }>;
}

export async function exportTeammate(services: Pick<AppServices, 'db'>, teammate: Teammate): Promise<TeammateDocument> {
  const memories = (await memoriesOfTeammates(services.db, teammate.orgId, [teammate.id])).get(teammate.id) ?? [];
  return {
    format: DOCUMENT_FORMAT,
    version: 1,
    exportedAt: new Date().toISOString(),
    teammate: {
      name: teammate.name,
      role: teammate.role,
      description: teammate.description,
      category: teammate.category,
      personality: teammate.personality,
      instructions: teammate.instructions,
      model: teammate.model,
      tools: teammate.tools,
      appearance: teammate.appearance,
      emoji: teammate.appearance.emoji,
      color: teammate.appearance.color,
      catalogKey: teammate.catalogKey,
    },
    memories: memories.map((m) => ({ content: m.content, createdAt: m.createdAt.toISOString() })),
  };
}

/**
 * Creates a self-made teammate from an exported document, with its memories, in one transaction
 * (and under the plan cap). A model this installation does not accept is a validation error.
 */
export async function importTeammate(services: AppServices, viewer: Viewer, document: unknown): Promise<Teammate> {
  const doc = parseInput(documentSchema(services.config), document);
  requireManager(viewer);
  const { appearance, catalogKey: _ignored, ...fields } = doc.teammate;
  const persona = toPersona({ ...fields, emoji: fields.emoji ?? appearance?.emoji, color: fields.color ?? appearance?.color });
  return transactionWithEvents(services, async (trx, emit) => {
    const teammate = await addTeammate(services, trx, viewer, { ...persona, catalogKey: null, key: persona.name });
    await announceTeammateJoined(trx, emit, teammate, viewer.user.id);
    await insertMemories(
      trx,
      doc.memories.map((m) => ({ orgId: viewer.org.id, teammateId: teammate.id, content: m.content, createdByUser: viewer.user.id })),
    );
    return teammate;
  });
}
