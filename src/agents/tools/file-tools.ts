import { withStatementTimeout } from '../../db/statement-timeout.ts';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { z } from 'zod';
import { findReadyFileByName, readTextSlice, searchReadyFiles } from '../../repositories/file-search.ts';
import { findFilesInOrg, type StoredFile } from '../../repositories/files.ts';
import { defineTool, ToolError } from './types.ts';
import { searchText } from '../../services/text.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Accepts the raw id these tools return, or a File global id as the API shows it. */
function fileUuid(id: string): string | undefined {
  const trimmed = id.trim();
  if (UUID.test(trimmed)) return trimmed.toLowerCase();
  try {
    const decoded = decodeGlobalID(trimmed);
    return decoded.typename === 'File' && UUID.test(decoded.id) ? decoded.id.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

const describeFile = (file: StoredFile) => ({ id: file.id, name: file.name, contentType: file.contentType, sizeBytes: file.sizeBytes });

/** `search_files`: full-text search over the organisation's ready files (names and extracted text). */
export const searchFilesTool = defineTool({
  name: 'search_files',
  description:
    'Search the team’s uploaded files (file names and their text: documents, PDFs, spreadsheets). Returns the best matches with their ids and a snippet around the match; read one with read_file.',
  input: z.object({
    query: z.string().trim().min(1).max(500).describe('Words to look for; "quoted phrases" and -excluded words work.'),
    limit: z.number().int().min(1).max(20).optional().describe('How many files to return (default 5).'),
  }),
  async run(input, ctx) {
    const query = searchText(input.query);
    const hits = query ? await withStatementTimeout(ctx.services.db, ctx.services.config.limits.searchTimeoutMs, (trx) => searchReadyFiles(trx, ctx.orgId, query, input.limit ?? 5)) : [];
    return {
      summary: hits.length === 0 ? `No files match "${query}".` : `${hits.length} file${hits.length === 1 ? '' : 's'} match "${query}".`,
      data: {
        files: hits.map((hit) => ({
          ...describeFile(hit.file),
          pageCount: hit.file.metadata.pageCount,
          rowCount: hit.file.metadata.rowCount,
          // ts_headline marks the matched words with **…**.
          snippet: hit.snippet,
        })),
      },
    };
  },
});

const DEFAULT_READ_LENGTH = 8000;

/** `read_file`: a page of one file's extracted text, by id or by name. */
export const readFileTool = defineTool({
  name: 'read_file',
  description:
    'Read the text of one of the team’s files, by id (from search_files or an attachment) or by exact name. Long files come in pages: pass the returned nextOffset as offset to continue.',
  input: z
    .object({
      fileId: z.string().trim().min(1).max(200).optional().describe('Id of the file.'),
      name: z.string().trim().min(1).max(255).optional().describe('Exact file name, when the id is not known.'),
      offset: z.number().int().min(0).optional().describe('Character to start at (default 0).'),
      length: z.number().int().min(1).max(20_000).optional().describe(`Characters to read (default ${DEFAULT_READ_LENGTH}, at most 20000).`),
    })
    .refine((v) => v.fileId !== undefined || v.name !== undefined, { message: 'give fileId or name' }),
  async run({ fileId, name, offset = 0, length = DEFAULT_READ_LENGTH }, ctx) {
    let file: StoredFile | undefined;
    if (fileId !== undefined) {
      const id = fileUuid(fileId);
      file = id ? (await findFilesInOrg(ctx.services.db, ctx.orgId, [id]))[0] : undefined;
      if (!file || file.status === 'pending') throw new ToolError(`There is no file with id ${fileId}.`);
    } else {
      file = await findReadyFileByName(ctx.services.db, ctx.orgId, name!);
      if (!file) throw new ToolError(`There is no file named "${name}"; search_files finds files by their contents.`);
    }
    if (file.status === 'failed') throw new ToolError(`"${file.name}" could not be read: ${file.error ?? 'processing failed'}.`);
    if (file.status !== 'ready') throw new ToolError(`"${file.name}" is still being processed; try again in a moment.`);
    const slice = await readTextSlice(ctx.services.db, file.id, offset, length);
    if (!slice || slice.totalLength === 0) {
      const kind = file.metadata.isImage ? 'an image' : 'a file';
      throw new ToolError(`"${file.name}" is ${kind} without text (${file.contentType}).`);
    }
    if (offset >= slice.totalLength) throw new ToolError(`"${file.name}" has ${slice.totalLength} characters; offset ${offset} is past the end.`);
    const end = offset + slice.text.length;
    const nextOffset = end < slice.totalLength ? end : null;
    return {
      summary: `Read characters ${offset}–${end} of ${slice.totalLength} of "${file.name}"${nextOffset === null ? ' (the end).' : '.'}`,
      data: { file: describeFile(file), offset, length: slice.text.length, totalLength: slice.totalLength, nextOffset, text: slice.text },
    };
  },
});
