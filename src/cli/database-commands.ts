import type { Config } from '../config/config.ts';
import { startApp } from '../app.ts';
import type { Logger } from '../logger.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { seedDatabase } from '../services/seed.ts';

/** `tmates migrate`: starts the database (embedded or DATABASE_URL), applies migrations, exits. */
export async function runMigrateCommand(config: Config, logger: Logger): Promise<void> {
  const app = await startApp({ config, logger, http: false, worker: false });
  await app.stop('migrations applied');
}

/** `tmates seed`: migrates and loads bundled reference data (which every start also does). Idempotent. */
export async function runSeedCommand(config: Config, logger: Logger): Promise<void> {
  const app = await startApp({ config, logger, http: false, worker: false, migrate: false });
  try {
    await migrateToLatest(app.services.db as never, app.pool, logger);
    await seedDatabase(app.services);
  } finally {
    await app.stop('seed finished');
  }
}
