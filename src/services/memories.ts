import { z } from 'zod';
import { deleteMemoryRow, findMemoriesInOrg, insertMemories, updateMemoryContent, type Memory } from '../repositories/memories.ts';
import { findTeammate } from '../repositories/teammates.ts';
import type { AppServices } from '../core/context.ts';
import { NotFoundError } from './errors.ts';
import { parseInput } from './validation.ts';
import type { Viewer } from '../core/viewer.ts';
import { textSchema } from './text.ts';
import { expectedRevisionOf, expectRevision } from './revisions.ts';

/**
 * A teammate's memory is inspectable, not a black box: every member of the organisation can read,
 * add, correct and delete the notes a teammate keeps.
 */
const content = textSchema({ max: 4000, multiline: true });

export async function addMemory(services: Pick<AppServices, 'db'>, viewer: Viewer, teammateId: string, input: unknown): Promise<Memory> {
  const values = parseInput(z.object({ content }), input);
  const teammate = await findTeammate(services.db, viewer.org.id, teammateId);
  if (!teammate) throw new NotFoundError('Teammate');
  const [memory] = await insertMemories(services.db, [
    { orgId: viewer.org.id, teammateId: teammate.id, content: values.content, createdByUser: viewer.user.id },
  ]);
  return memory!;
}

async function findMemory(services: Pick<AppServices, 'db'>, viewer: Viewer, memoryId: string): Promise<Memory> {
  const [memory] = await findMemoriesInOrg(services.db, viewer.org.id, [memoryId]);
  if (!memory) throw new NotFoundError('Memory');
  return memory;
}

export async function updateMemory(services: AppServices, viewer: Viewer, memoryId: string, input: unknown): Promise<Memory> {
  const values = parseInput(z.object({ content }), input);
  const memory = await findMemory(services, viewer, memoryId);
  return services.db.transaction().execute(async (trx) => {
    await expectRevision(trx, 'memories', memory.id, expectedRevisionOf(input));
    return updateMemoryContent(trx, memory.id, values.content);
  });
}

export async function deleteMemory(services: AppServices, viewer: Viewer, memoryId: string): Promise<Memory> {
  const memory = await findMemory(services, viewer, memoryId);
  await deleteMemoryRow(services.db, memory.id);
  return memory;
}
