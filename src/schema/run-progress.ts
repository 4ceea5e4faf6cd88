import type { RunProgress } from '../repositories/runs.ts';
import { builder } from './builder.ts';
import { RunRef } from './runs.ts';

/** `report_progress` as clients see it, on `Run.progress` and `RunEvent.progress`. */
export const RunProgressRef = builder.objectRef<Pick<RunProgress, 'stage' | 'percent' | 'message'> & { at?: string }>('RunProgress').implement({
  description: 'Where a running teammate says it stands (its `report_progress` tool).',
  fields: (t) => ({
    stage: t.exposeString('stage', { description: 'The stage it is at, in a few words (e.g. `drafting`).' }),
    percent: t.exposeInt('percent', { nullable: true, description: 'How far along, 0–100; null when it gave no figure.' }),
    message: t.exposeString('message', { description: 'A one-line status for people.' }),
  }),
});

builder.objectField(RunRef, 'progress', (t) =>
  t.field({ type: RunProgressRef, nullable: true, description: 'Its latest progress report; null before any.', resolve: (r) => r.progress }),
);
