import { startApp } from '../app.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import { ensureUserByEmail, tokenFor } from '../services/accounts.ts';

/**
 * `tmates token --email …`: prints a sign-in token for that person (created, with a personal org,
 * if new) on stdout, so `TOKEN=$(tmates token --email me@example.com)` works. Shares the embedded
 * database of a running `tmates serve`.
 */
export async function runTokenCommand(
  config: Config,
  logger: Logger,
  options: { email: string; name?: string },
): Promise<void> {
  process.stdout.write(`${await mintToken(config, logger, options)}\n`);
}

/** A sign-in token for that person (created if new), straight from the database. */
export async function mintToken(config: Config, logger: Logger, options: { email: string; name?: string }): Promise<string> {
  const app = await startApp({ config, logger, http: false, worker: false });
  try {
    const user = await ensureUserByEmail(app.services, options.email, options.name);
    const { token, expiresAt } = await tokenFor(app.services, user);
    process.stderr.write(`token for ${user.email}, valid until ${expiresAt.toISOString()}\n`);
    return token;
  } finally {
    await app.stop('token issued');
  }
}
