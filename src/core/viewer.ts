import type { Org, OrgRole } from '../repositories/orgs.ts';
import type { User } from '../repositories/users.ts';

/** Who is asking, and for which organisation. Every tenant read and write is scoped by `org`. */
export interface Viewer {
  user: User;
  org: Org;
  role: OrgRole;
  /** How the caller proved who they are. */
  via: 'token' | 'supabase' | 'api_key';
  apiKeyId?: string;
  /** When the presented credential stops being accepted (undefined: API key without expiry). */
  expiresAt?: Date;
}

/** Role predicates, kept small and pure so services and `viewerCan…` fields share them. */
export const canManageOrg = (role: OrgRole) => role === 'owner' || role === 'admin';
