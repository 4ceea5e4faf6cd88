import { resolveArrayConnection } from '@pothos/plugin-relay';
import { CATEGORIES } from '../catalog/manifest.ts';
import { findMemoriesInOrg, memoriesOfTeammates, type Memory } from '../repositories/memories.ts';
import { findTeammatesInOrg, type Appearance, type Teammate } from '../repositories/teammates.ts';
import { exportTeammate } from '../services/teammates.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { UserRef } from './users.ts';

export const TeammateCategoryEnum = builder.enumType('TeammateCategory', {
  description: 'What kind of work a teammate does, for browsing the catalog.',
  values: Object.fromEntries(CATEGORIES.map((c) => [c.toUpperCase(), { value: c, description: `${c[0]!.toUpperCase()}${c.slice(1)} work.` }])) as {
    [K in Uppercase<(typeof CATEGORIES)[number]>]: { value: Lowercase<K>; description: string };
  },
});

export const TeammateStatusEnum = builder.enumType('TeammateStatus', {
  description: 'Whether a teammate is on the team.',
  values: {
    HIRED: { value: 'hired', description: 'On the team: answers, counts toward the plan.' },
    DISMISSED: { value: 'dismissed', description: 'Off the team; history stays readable and hiring again restores them.' },
  } as const,
});

export const AppearanceRef = builder.objectRef<Appearance>('Appearance').implement({
  description: 'How a teammate looks in the apps.',
  fields: (t) => ({
    emoji: t.exposeString('emoji', { description: 'Avatar emoji.' }),
    color: t.exposeString('color', { description: 'Brand colour, #RRGGBB.' }),
  }),
});

/** Memories per teammate, batched across every Teammate in one operation. */
const memoriesOf = batched<Memory[]>(
  (ctx, ids) => (ctx.viewer ? memoriesOfTeammates(ctx.db, ctx.viewer.org.id, ids) : Promise.resolve(new Map())),
  [],
);

export const TeammateRef = builder.loadableNode('Teammate', {
  description: 'An AI teammate of the organisation: hired from the catalog or self-made.',
  id: { resolve: (t: Teammate) => t.id },
  sort: (t) => t.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findTeammatesInOrg(ctx.db, ctx.viewer.org.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    handle: t.exposeString('key', { description: 'Unique handle in the organisation (for @mentions), e.g. `sam`.' }),
    name: t.exposeString('name', { description: 'Name they go by.' }),
    role: t.exposeString('role', { description: 'Job title.' }),
    description: t.exposeString('description', { nullable: true, description: 'Short description.' }),
    category: t.field({ type: TeammateCategoryEnum, nullable: true, description: 'Kind of work.', resolve: (tm) => tm.category as never }),
    personality: t.exposeString('personality', { description: 'Temperament and voice.' }),
    instructions: t.exposeString('instructions', { description: 'How they work.' }),
    model: t.exposeString('model', { nullable: true, description: 'Model they use (null: the installation default).' }),
    tools: t.exposeStringList('tools', { description: 'Tools they may call.' }),
    appearance: t.field({ type: AppearanceRef, description: 'Emoji and colour.', resolve: (tm) => tm.appearance }),
    status: t.field({ type: TeammateStatusEnum, description: 'Hired or dismissed.', resolve: (tm) => tm.status }),
    catalogKey: t.exposeString('catalogKey', { nullable: true, description: 'Catalog entry they were hired from; null if self-made.' }),
    isCustom: t.boolean({ description: 'Self-made (editable with updateTeammate).', resolve: (tm) => tm.catalogKey === null }),
    createdBy: t.field({ type: UserRef, nullable: true, description: 'Who hired or made them.', resolve: (tm) => tm.createdBy }),
    hiredAt: t.expose('hiredAt', { type: 'DateTime', description: 'When they (last) joined the team.' }),
    dismissedAt: t.expose('dismissedAt', { type: 'DateTime', nullable: true, description: 'When they were dismissed, if they are.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When they were first added.' }),
    exportDocument: t.field({
      type: 'JSON',
      description: 'A portable JSON document (persona, instructions, tools, memories) for importTeammate elsewhere.',
      resolve: (tm, _args, ctx) => exportTeammate(ctx.services, tm),
    }),
  }),
});

export const MemoryScopeEnum = builder.enumType('MemoryScope', {
  description: 'What a memory note is about.',
  values: {
    TEAMMATE: { value: 'teammate', description: 'Kept by the teammate for every conversation.' },
    THREAD: { value: 'thread', description: 'Only for one thread.' },
  } as const,
});

export const MemoryRef = builder.loadableNode('Memory', {
  description: 'A long-term note a teammate keeps. Inspectable and editable by the organisation.',
  id: { resolve: (m: Memory) => m.id },
  sort: (m) => m.id,
  load: (ids: string[], ctx) => (ctx.viewer ? findMemoriesInOrg(ctx.db, ctx.viewer.org.id, ids) : Promise.resolve([])),
  fields: (t) => ({
    content: t.exposeString('content', { description: 'The note.' }),
    scope: t.field({ type: MemoryScopeEnum, description: 'Teammate-wide or one thread.', resolve: (m) => m.scope }),
    createdBy: t.field({ type: UserRef, nullable: true, description: 'The person who wrote it, if a person did.', resolve: (m) => m.createdByUser }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was written.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

// Edges between the two types are added once both exist (they refer to each other).
builder.objectField(TeammateRef, 'memories', (t) =>
  t.connection({
    type: MemoryRef,
    description: 'Long-term notes they keep, oldest first. Readable and editable by every member.',
    resolve: async (tm, args, ctx) =>
      resolveArrayConnection({ args, maxSize: 500, defaultSize: 100 }, await memoriesOf(ctx, tm.id)),
  }),
);
builder.objectField(MemoryRef, 'teammate', (t) =>
  t.field({ type: TeammateRef, description: 'Whose note it is.', resolve: (m) => m.teammateId }),
);
