import { resolveCursorConnection } from '@pothos/plugin-relay';
import type { Teammate } from '../repositories/teammates.ts';
import { builder } from '../schema/builder.ts';
import { CatalogTeammateRef } from '../schema/catalog.ts';
import { decodePosition, encodePosition } from '../schema/cursors.ts';
import { TeammateCategoryEnum, TeammateRef, TeammateStatusEnum } from '../schema/teammates.ts';
import { defined } from './defined.ts';
import { requireViewer } from '../core/context.ts';
import { catalogForViewer } from '../services/catalog.ts';
import { ConflictError, ForbiddenError, NotFoundError, PlanLimitError, ValidationError } from '../services/errors.ts';
import {
  createTeammate,
  dismissTeammate,
  hireTeammate,
  importTeammate,
  updateTeammate,
} from '../services/teammates.ts';
import { listTeammates } from '../repositories/teammates.ts';

const asTeammatePosition = (p: { at: Date; id: string } | undefined) => p && { hiredAt: p.at, id: p.id };

builder.queryFields((t) => ({
  catalog: t.field({
    type: [CatalogTeammateRef],
    description: 'Teammates one can hire, with `hired` for the current organisation. Filter by category or words.',
    args: {
      category: t.arg({ type: TeammateCategoryEnum, description: 'Only this kind of work.' }),
      search: t.arg.string({ description: 'Words that must all appear (name, role, description, capabilities).' }),
    },
    resolve: (_root, args, ctx) => catalogForViewer(ctx.services, ctx.viewer, args),
  }),
  teammates: t.connection({
    type: TeammateRef,
    description: 'Teammates of the current organisation, newest hire first.',
    args: { status: t.arg({ type: TeammateStatusEnum, description: 'HIRED (default), DISMISSED, or null for both.', defaultValue: 'hired' }) },
    resolve: (_root, args, ctx) => {
      const viewer = requireViewer(ctx);
      return resolveCursorConnection<Promise<Teammate[]>>(
        { args, toCursor: (tm) => encodePosition(tm.hiredAt, tm.id), defaultSize: 50, maxSize: 200 },
        ({ after, before, limit, inverted }) =>
          listTeammates(ctx.db, viewer.org.id, {
          status: args.status ?? undefined,
          limit,
          inverted,
          after: asTeammatePosition(decodePosition(after)),
          before: asTeammatePosition(decodePosition(before)),
          }),
      );
    },
  }),
  teammate: t.field({
    type: TeammateRef,
    nullable: true,
    description: 'One teammate of the current organisation; null if there is none with that id.',
    args: { id: t.arg.globalID({ required: true, for: TeammateRef, description: 'Teammate id.' }) },
    resolve: (_root, args, ctx) => {
      requireViewer(ctx);
      return args.id.id;
    },
  }),
}));

const HireTeammateInput = builder.inputType('HireTeammateInput', {
  description: 'A catalog teammate to hire.',
  fields: (t) => ({ catalogKey: t.string({ required: true, description: 'Key from `catalog`.' }) }),
});

const DismissTeammateInput = builder.inputType('DismissTeammateInput', {
  description: 'A teammate to take off the team (history stays).',
  fields: (t) => ({ teammateId: t.globalID({ required: true, for: TeammateRef, description: 'The teammate.' }) }),
});

const personaInputFields = (t: PothosSchemaTypes.InputFieldBuilder<PothosSchemaTypes.ExtendDefaultTypes<never>, 'InputObject'>, required: boolean) => ({
  name: t.string({ required, description: 'Name they go by (1–40 characters).' }),
  role: t.string({ required, description: 'Job title (1–80 characters).' }),
  personality: t.string({ required, description: 'Temperament and voice (up to 2000 characters).' }),
  instructions: t.string({ required, description: 'How they work (up to 8000 characters).' }),
  description: t.string({ description: 'Short description (up to 280 characters).' }),
  category: t.field({ type: TeammateCategoryEnum, description: 'Kind of work.' }),
  model: t.string({ description: 'Model name; null for the installation default.' }),
  tools: t.stringList({ description: 'Tool names (remember, recall and thread_history are always included).' }),
  emoji: t.string({ description: 'Avatar emoji.' }),
  color: t.string({ description: 'Colour, #RRGGBB.' }),
});

const CreateTeammateInput = builder.inputType('CreateTeammateInput', {
  description: 'A self-made teammate.',
  fields: (t) => personaInputFields(t as never, true),
});

const UpdateTeammateInput = builder.inputType('UpdateTeammateInput', {
  description: 'Changes to a self-made teammate; omitted fields stay.',
  fields: (t) => ({
    teammateId: t.globalID({ required: true, for: TeammateRef, description: 'The teammate.' }),
    ...personaInputFields(t as never, false),
    expectedRevision: t.int({ description: 'The `revision` this edit was made from; a ConflictError (with the current revision) when it has changed since. Omit to overwrite.' }),
  }),
});

const ImportTeammateInput = builder.inputType('ImportTeammateInput', {
  description: 'A document from `Teammate.exportDocument`.',
  fields: (t) => ({ document: t.field({ type: 'JSON', required: true, description: 'The exported document.' }) }),
});

builder.mutationFields((t) => ({
  hireTeammate: t.field({
    type: TeammateRef,
    description: 'Hires a catalog teammate (or brings a dismissed one back). Owners and admins; limited by plan.',
    errors: { types: [NotFoundError, ForbiddenError, PlanLimitError] },
    args: { input: t.arg({ type: HireTeammateInput, required: true }) },
    resolve: (_root, { input }, ctx) => hireTeammate(ctx.services, requireViewer(ctx), input),
  }),
  dismissTeammate: t.field({
    type: TeammateRef,
    description: 'Takes a teammate off the team; their threads, messages and memories stay readable.',
    errors: { types: [NotFoundError, ForbiddenError] },
    args: { input: t.arg({ type: DismissTeammateInput, required: true }) },
    resolve: (_root, { input }, ctx) => dismissTeammate(ctx.services, requireViewer(ctx), input.teammateId.id),
  }),
  createTeammate: t.field({
    type: TeammateRef,
    description: 'Creates a teammate of your own. Owners and admins; limited by plan.',
    errors: { types: [ValidationError, ForbiddenError, PlanLimitError] },
    args: { input: t.arg({ type: CreateTeammateInput, required: true }) },
    resolve: (_root, { input }, ctx) => createTeammate(ctx.services, requireViewer(ctx), defined(input)),
  }),
  updateTeammate: t.field({
    type: TeammateRef,
    description: 'Changes a self-made teammate (catalog teammates follow the catalog).',
    errors: { types: [ValidationError, NotFoundError, ForbiddenError, ConflictError] },
    args: { input: t.arg({ type: UpdateTeammateInput, required: true }) },
    resolve: (_root, { input }, ctx): Promise<Teammate> => {
      const { teammateId, ...changes } = input;
      return updateTeammate(ctx.services, requireViewer(ctx), teammateId.id, defined(changes));
    },
  }),
  importTeammate: t.field({
    type: TeammateRef,
    description: 'Creates a self-made teammate, with its memories, from an exported document.',
    errors: { types: [ValidationError, ForbiddenError, PlanLimitError] },
    args: { input: t.arg({ type: ImportTeammateInput, required: true }) },
    resolve: (_root, { input }, ctx) => importTeammate(ctx.services, requireViewer(ctx), input.document),
  }),
}));
