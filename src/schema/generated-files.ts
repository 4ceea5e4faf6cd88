import { builder } from './builder.ts';
import { FileRef } from './files.ts';
import { RunRef } from './runs.ts';

// Files teammates make (generate_image): which run made them.
builder.objectField(FileRef, 'generatedBy', (t) =>
  t.field({
    type: RunRef,
    nullable: true,
    description: 'The run that made it (a generated image), when the caller can see that run; null for uploads.',
    resolve: (f) => f.createdByRunId,
  }),
);
