import type { AppServices } from '../core/context.ts';
import { catalogSeeder } from './catalog.ts';

/** A step that loads bundled reference data; must be idempotent (it runs at every start). */
export interface Seeder {
  name: string;
  run(services: AppServices): Promise<{ changed: number }>;
}

/** Reference data loaded by `tmates seed` and at start: each domain registers its seeder here. */
export const seeders: readonly Seeder[] = [catalogSeeder];

export async function seedDatabase(services: AppServices): Promise<void> {
  for (const seeder of seeders) {
    const { changed } = await seeder.run(services);
    services.logger.info({ seeder: seeder.name, changed }, 'seeded');
  }
}
