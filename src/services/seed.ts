import type { AppServices } from '../core/context.ts';
import type { Seeder } from '../core/seeder.ts';
import { catalogSeeder } from './catalog.ts';

/** Reference data loaded by `tmates seed` and at start: each domain registers its seeder here. */
export const seeders: readonly Seeder[] = [catalogSeeder];

export async function seedDatabase(services: AppServices): Promise<void> {
  for (const seeder of seeders) {
    const { changed } = await seeder.run(services);
    services.logger.info({ seeder: seeder.name, changed }, 'seeded');
  }
}
