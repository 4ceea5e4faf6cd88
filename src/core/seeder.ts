import type { AppServices } from './context.ts';

/** A step that loads bundled reference data; must be idempotent (it runs at every start). */
export interface Seeder {
  name: string;
  run(services: AppServices): Promise<{ changed: number }>;
}
