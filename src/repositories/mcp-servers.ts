import type { Selectable } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { McpServers } from '../db/schema.ts';

/** A tool an MCP server offers, as it listed it. */
export interface McpToolInfo {
  name: string;
  description: string | null;
  /** JSON Schema of its arguments. */
  inputSchema: Record<string, unknown>;
}

/** An MCP server connected to an organisation. Header values stay sealed (`headersEncrypted`). */
export interface McpServerRecord {
  id: string;
  orgId: string;
  name: string;
  url: string;
  headersEncrypted: string | null;
  headerNames: string[];
  tools: McpToolInfo[];
  status: 'connected' | 'error';
  error: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const columns = ['id', 'org_id', 'name', 'url', 'headers_encrypted', 'header_names', 'tools', 'status', 'error', 'created_by', 'created_at', 'updated_at'] as const;

function toServer(row: Pick<Selectable<McpServers>, (typeof columns)[number]>): McpServerRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    url: row.url,
    headersEncrypted: row.headers_encrypted,
    headerNames: row.header_names,
    tools: (row.tools as McpToolInfo[] | null) ?? [],
    status: row.status as McpServerRecord['status'],
    error: row.error,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

type Writable = { name: string; url: string; headersEncrypted: string | null; headerNames: string[]; tools: McpToolInfo[]; status: 'connected' | 'error'; error: string | null };

export async function insertMcpServer(db: Executor, values: Writable & { orgId: string; createdBy: string }): Promise<McpServerRecord | undefined> {
  const row = await db
    .insertInto('mcp_servers')
    .values({
      org_id: values.orgId,
      name: values.name,
      url: values.url,
      headers_encrypted: values.headersEncrypted,
      header_names: values.headerNames,
      tools: JSON.stringify(values.tools),
      status: values.status,
      error: values.error,
      created_by: values.createdBy,
    })
    .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
    .returning(columns)
    .executeTakeFirst();
  return row && toServer(row);
}

export async function updateMcpServerRow(db: Executor, orgId: string, id: string, values: Partial<Writable>): Promise<McpServerRecord | undefined> {
  const row = await db
    .updateTable('mcp_servers')
    .set({
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.url !== undefined ? { url: values.url } : {}),
      ...(values.headersEncrypted !== undefined ? { headers_encrypted: values.headersEncrypted } : {}),
      ...(values.headerNames !== undefined ? { header_names: values.headerNames } : {}),
      ...(values.tools !== undefined ? { tools: JSON.stringify(values.tools) } : {}),
      ...(values.status !== undefined ? { status: values.status } : {}),
      ...(values.error !== undefined ? { error: values.error } : {}),
    })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst();
  return row && toServer(row);
}

export async function deleteMcpServerRow(db: Executor, orgId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('mcp_servers').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Servers of an organisation, by name; optionally only those among `ids` or `names`. */
export async function mcpServersOfOrg(db: Executor, orgId: string, filter: { ids?: readonly string[]; names?: readonly string[] } = {}): Promise<McpServerRecord[]> {
  if ((filter.ids && filter.ids.length === 0) || (filter.names && filter.names.length === 0)) return [];
  let query = db.selectFrom('mcp_servers').select(columns).where('org_id', '=', orgId).orderBy('name');
  if (filter.ids) query = query.where('id', 'in', [...filter.ids]);
  if (filter.names) query = query.where('name', 'in', [...filter.names]);
  return (await query.execute()).map(toServer);
}
