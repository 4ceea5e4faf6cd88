import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config/config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { DEFAULT_CLI_EMAIL } from './identity.ts';

const HELP = `tmates — self-hostable backend for AI teammates

Usage: tmates <command> [options]

Commands:
  serve [--no-worker]   Run the GraphQL API (HTTP, SSE and WebSocket on one port) and, unless
                        --no-worker, the background worker in the same process. Without
                        DATABASE_URL it starts an embedded PostgreSQL under TMATES_HOME.
  worker [--health-port N]
                        Run only the background worker (needs DATABASE_URL). With
                        --health-port, serve /healthz, /readyz and (METRICS=true) /metrics
                        on port N. \`serve\` takes --health-port too (health only).
  migrate               Apply pending database migrations and exit.
  seed                  Load bundled reference data (catalog) into the database and exit.
  token [--email E] [--name N]
                        Print a sign-in token for E (the account is created if new).
  run <teammate> --message "…" [--email E]
                        One turn of a teammate (name, handle or catalog key) in your direct
                        thread with it, streamed to the terminal. Runs in this process on the
                        embedded database (or DATABASE_URL); a catalog teammate is hired first.
  chat [teammate] [--url U] [--token T | --email E]
                        Interactive chat over graphql-ws with a running server (default URL
                        http://localhost:PORT/graphql; token from --token, TMATES_TOKEN, or minted
                        for --email). Without a teammate: the team chat. Type /stop to stop
                        the teammates, /reset for a fresh session, /quit (or Ctrl-D) to leave.
                        Fails at once when no server answers at the URL.
  help                  Show this help.

Without --email, token, run and chat all act as ${DEFAULT_CLI_EMAIL}.

Options:
  -h, --help            Show this help.
  -v, --version         Print the version.

Configuration comes from the environment and .env; see .env.example.
`;

/** Exit codes: 1 runtime failure, 64 bad usage, 78 bad configuration (sysexits). */
const EX_USAGE = 64;
const EX_CONFIG = 78;

function fail(message: string, code: number): never {
  process.stderr.write(`tmates: ${message}\n`);
  process.exit(code);
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        'no-worker': { type: 'boolean' },
        email: { type: 'string' },
        name: { type: 'string' },
        message: { type: 'string', short: 'm' },
        url: { type: 'string' },
        token: { type: 'string' },
        org: { type: 'string' },
        'health-port': { type: 'string' },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}. Run \`tmates --help\`.`, EX_USAGE);
  }
  const { values, positionals } = parsed;
  const healthPortText = values['health-port'];
  const healthPort = healthPortText === undefined ? undefined : Number(healthPortText);
  if (healthPort !== undefined && (!/^\d+$/.test(healthPortText!) || healthPort > 65_535)) {
    fail(`--health-port must be a port number from 0 to 65535 (got "${healthPortText}").`, EX_USAGE);
  }
  const command = positionals[0] ?? (values.version ? 'version' : 'help');
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (command === 'version') {
    const { version } = await import('../version.ts');
    process.stdout.write(`${version}\n`);
    return;
  }

  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, EX_CONFIG);
    throw error;
  }
  // Terminal commands keep stdout for their output and only log problems unless LOG_LEVEL says otherwise.
  const terminal = ['token', 'run', 'chat'].includes(command);
  const level = terminal && !process.env.LOG_LEVEL ? 'warn' : config.logLevel;
  const logger: Logger = createLogger(level, { command }, terminal ? 2 : 1);

  // Command modules load the server stack, so they are imported only when needed (fast --help).
  switch (command) {
    case 'serve': {
      // The embedded database starts while the server stack loads; both take about a second.
      const embedded = config.databaseUrl
        ? undefined
        : import('../db/embedded-postgres.ts').then(({ startEmbeddedPostgres }) =>
            startEmbeddedPostgres({ home: config.home, port: config.embeddedPgPort, logger }),
          );
      embedded?.catch(() => undefined); // awaited (and reported) by startApp
      const { runServeCommand } = await import('./serve.ts');
      const worker = config.runWorker && !values['no-worker'];
      return runServeCommand({ config, logger, http: true, worker, embedded, healthPort });
    }
    case 'worker': {
      if (!config.databaseUrl) {
        fail(
          'DATABASE_URL is required for `tmates worker`: the embedded database belongs to `tmates serve`, which already runs a worker.',
          EX_CONFIG,
        );
      }
      const { runServeCommand } = await import('./serve.ts');
      return runServeCommand({ config, logger, http: false, worker: true, healthPort });
    }
    case 'migrate': {
      const { runMigrateCommand } = await import('./database-commands.ts');
      return runMigrateCommand(config, logger);
    }
    case 'token': {
      const { runTokenCommand } = await import('./token.ts');
      return runTokenCommand(config, logger, { email: values.email ?? DEFAULT_CLI_EMAIL, name: values.name });
    }
    case 'run': {
      const teammate = positionals[1];
      if (!teammate || !values.message) fail('`tmates run` needs a teammate and --message "…". Run `tmates --help`.', EX_USAGE);
      const { runRunCommand } = await import('./run.ts');
      process.exitCode = await runRunCommand(config, logger, { teammate, message: values.message, email: values.email });
      return;
    }
    case 'chat': {
      const { runChatCommand, unreachableServer } = await import('./chat.ts');
      const url = values.url ?? `${(config.publicUrl ?? `http://localhost:${config.port}`).replace(/\/$/, '')}/graphql`;
      let token = values.token ?? process.env.TMATES_TOKEN;
      if (!token) {
        // Minting starts the local database: not worth it when no server answers anyway.
        const unreachable = await unreachableServer(url);
        if (unreachable) fail(unreachable, 1);
        const { mintToken } = await import('./token.ts');
        token = await mintToken(config, logger, { email: values.email ?? DEFAULT_CLI_EMAIL });
      }
      process.exitCode = await runChatCommand({ url, token, teammate: positionals[1], org: values.org });
      return;
    }
    case 'seed': {
      const { runSeedCommand } = await import('./database-commands.ts');
      return runSeedCommand(config, logger);
    }
    default:
      fail(`unknown command "${command}". Run \`tmates --help\`.`, EX_USAGE);
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  fail(error.message || String(error), 1);
});
