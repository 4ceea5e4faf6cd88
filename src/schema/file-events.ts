import { encodeGlobalID } from '@pothos/plugin-relay';
import type { FileEventPayload } from '../services/file-events.ts';
import { builder } from './builder.ts';
import { isType, ViewerEventRef } from './events.ts';
import { FileRef } from './files.ts';

export const FileChangeEnum = builder.enumType('FileChange', {
  description: 'What happened to a file.',
  values: {
    UPLOADED: { value: 'uploaded', description: 'Its bytes were stored and checked; ingestion is queued.' },
    PROCESSING: { value: 'processing', description: 'Its text is being extracted.' },
    READY: { value: 'ready', description: 'Searchable and readable by teammates.' },
    FAILED: { value: 'failed', description: 'Ingestion failed; see `file.error`. It can still be downloaded.' },
    DELETED: { value: 'deleted', description: 'It was deleted; only `fileId` remains.' },
  } as const,
});

builder.objectRef<FileEventPayload>('FileEvent').implement({
  description: 'A file of the organisation was stored, moved through ingestion (UPLOADED → PROCESSING → READY or FAILED) or was deleted. Delivered to every member; live only.',
  interfaces: [ViewerEventRef],
  isTypeOf: isType('file'),
  fields: (t) => ({
    change: t.field({ type: FileChangeEnum, description: 'What happened.', resolve: (e) => e.change }),
    fileId: t.id({ description: 'Global id of the file (also after it was deleted).', resolve: (e) => encodeGlobalID('File', e.fileId) }),
    file: t.field({ type: FileRef, nullable: true, description: 'The file as it is now; null once deleted.', resolve: (e) => e.file }),
  }),
});
