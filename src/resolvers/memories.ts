import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../schema/builder.ts';
import { MemoryRef, TeammateRef } from '../schema/teammates.ts';
import { requireViewer } from '../core/context.ts';
import { ConflictError, NotFoundError, ValidationError } from '../services/errors.ts';
import { addMemory, deleteMemory, updateMemory } from '../services/memories.ts';

const AddMemoryInput = builder.inputType('AddMemoryInput', {
  description: 'A note to give a teammate.',
  fields: (t) => ({
    teammateId: t.globalID({ required: true, for: TeammateRef, description: 'The teammate.' }),
    content: t.string({ required: true, description: 'The note (1–4000 characters).' }),
  }),
});

const UpdateMemoryInput = builder.inputType('UpdateMemoryInput', {
  description: 'A corrected note.',
  fields: (t) => ({
    memoryId: t.globalID({ required: true, for: MemoryRef, description: 'The note.' }),
    content: t.string({ required: true, description: 'New text (1–4000 characters).' }),
    expectedRevision: t.int({ description: 'The `revision` this edit was made from; a ConflictError (with the current revision) when it has changed since. Omit to overwrite.' }),
  }),
});

const DeleteMemoryInput = builder.inputType('DeleteMemoryInput', {
  description: 'A note to forget.',
  fields: (t) => ({ memoryId: t.globalID({ required: true, for: MemoryRef, description: 'The note.' }) }),
});

const DeleteMemoryPayload = builder.objectRef<{ memoryId: string }>('DeleteMemoryPayload').implement({
  description: 'The note that was deleted.',
  fields: (t) => ({ memoryId: t.exposeID('memoryId', { description: 'Global id of the deleted note.' }) }),
});

builder.mutationFields((t) => ({
  addMemory: t.field({
    type: MemoryRef,
    description: "Adds a note to a teammate's memory.",
    errors: { types: [ValidationError, NotFoundError] },
    args: { input: t.arg({ type: AddMemoryInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      addMemory(ctx.services, requireViewer(ctx), input.teammateId.id, { content: input.content }),
  }),
  updateMemory: t.field({
    type: MemoryRef,
    description: "Corrects a note in a teammate's memory.",
    errors: { types: [ValidationError, NotFoundError, ConflictError] },
    args: { input: t.arg({ type: UpdateMemoryInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      updateMemory(ctx.services, requireViewer(ctx), input.memoryId.id, { content: input.content, expectedRevision: input.expectedRevision }),
  }),
  deleteMemory: t.field({
    type: DeleteMemoryPayload,
    description: "Removes a note from a teammate's memory.",
    errors: { types: [NotFoundError] },
    args: { input: t.arg({ type: DeleteMemoryInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const memory = await deleteMemory(ctx.services, requireViewer(ctx), input.memoryId.id);
      return { memoryId: encodeGlobalID('Memory', memory.id) };
    },
  }),
}));
