import { z } from 'zod';
import { canManageOrg, type Viewer } from '../core/viewer.ts';
import { isMcpToolName } from '../catalog/mcp-tool-names.ts';
import { TOOL_NAMES } from '../catalog/tool-names.ts';
import { findTeammate } from '../repositories/teammates.ts';
import { policiesOfOrg, upsertPolicy, type ToolPolicy } from '../repositories/tool-policies.ts';
import type { AppServices } from '../core/context.ts';
import { ForbiddenError, NotFoundError } from './errors.ts';
import { parseInput } from './validation.ts';


const setSchema = z.object({
  tool: z
    .string()
    .trim()
    .refine((t) => (TOOL_NAMES as string[]).includes(t) || isMcpToolName(t), {
      message: `expected a built-in tool (${TOOL_NAMES.join(', ')}) or an MCP tool named <server>.<tool>`,
    }),
  policy: z.enum(['auto', 'ask', 'off']),
  teammateId: z.uuid().nullish(),
});

/**
 * `setToolPolicy` (owners and admins): whether a tool runs at once (AUTO), waits for a person
 * (ASK) or is not offered (OFF), for the organisation or, with `teammateId`, one teammate (which
 * overrides the organisation's). Without a setting, built-in tools are AUTO and MCP tools ASK.
 */
export async function setToolPolicy(services: AppServices, viewer: Viewer, input: { tool: string; policy: string; teammateId?: string | null }): Promise<ToolPolicy> {
  if (!canManageOrg(viewer.role)) throw new ForbiddenError('Only owners and admins can set tool policies');
  const parsed = parseInput(setSchema, input);
  if (parsed.teammateId && !(await findTeammate(services.db, viewer.org.id, parsed.teammateId))) throw new NotFoundError('Teammate', parsed.teammateId);
  return upsertPolicy(services.db, { orgId: viewer.org.id, teammateId: parsed.teammateId ?? null, tool: parsed.tool, policy: parsed.policy, updatedBy: viewer.user.id });
}

/** `toolPolicies`: the policies set in the viewer's organisation (its own, and its teammates' unless one is named). */
export function toolPolicies(services: AppServices, viewer: Viewer, teammateId?: string | null): Promise<ToolPolicy[]> {
  return policiesOfOrg(services.db, viewer.org.id, teammateId ? { teammateId } : {});
}
