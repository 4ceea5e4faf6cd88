import { z } from 'zod';
import type { AppServices } from '../../core/context.ts';
import { fireDueSchedules } from '../../services/schedules.ts';
import { defineTask } from '../define-task.ts';

// graphile-worker's cron adds `_cron: { ts, backfilled }`; nothing else is expected.
const payload = z.object({ _cron: z.object({ ts: z.string() }).partial().optional() });

/** Turns due schedules into goals (run every minute by graphile-worker's cron, and on demand). */
export const tickSchedulesTask = defineTask<AppServices, typeof payload>({
  name: 'schedules__tick',
  payload,
  spec: { maxAttempts: 3 },
  cron: '* * * * *',
  run: async (_payload, services) => {
    await fireDueSchedules(services);
  },
});
