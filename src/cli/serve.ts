import { startApp, type App, type StartOptions } from '../app.ts';

/**
 * Runs until SIGINT/SIGTERM, then shuts down gracefully: stop accepting, drain in-flight requests
 * and jobs within SHUTDOWN_TIMEOUT_MS, close sockets, stop the embedded PostgreSQL. A second signal
 * forces an immediate exit. Signals are handled from the very start: one that arrives while the
 * server is still starting stops it as soon as it is up.
 */
export async function runServeCommand(options: StartOptions): Promise<void> {
  const { logger } = options;
  let app: App | undefined;
  let stopRequested: NodeJS.Signals | undefined;
  let signals = 0;

  const stop = (signal: NodeJS.Signals) => {
    app!.stop(`received ${signal}`).then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    if (app) stop(signal);
    else stopRequested = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `npm start` runs us under npm, which does not pass a SIGTERM on: when the process that started
  // us goes away (we are re-parented), stop as if it had been signalled, so nothing is left running.
  const parent = process.ppid;
  const orphaned = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(orphaned);
      logger.warn({ parent }, 'the process that started tmates exited; stopping');
      onSignal('SIGTERM');
    }
  }, 500);
  orphaned.unref();

  app = await startApp({
    ...options,
    // The embedded database died and could not be restarted: exit non-zero so a supervisor restarts us.
    onFatal: () => {
      const exit = () => process.exit(1);
      if (app) app.stop('database lost').then(exit, exit);
      else exit();
    },
  });
  if (stopRequested) return stop(stopRequested);

  if (app.graphqlUrl) {
    logger.info({ url: app.graphqlUrl, worker: Boolean(app.runner) }, `Tmates is ready at ${app.graphqlUrl}`);
    const webUrl = app.graphqlUrl.replace(/\/graphql$/, '/');
    process.stderr.write(
      `\n  Tmates ${app.services.version} is ready\n` +
        (app.services.config.serveWeb ? `  Web app: open ${webUrl} in a browser\n` : '') +
        `  GraphQL (HTTP, SSE, WebSocket): ${app.graphqlUrl}\n` +
        (app.services.config.graphiql ? `  Playground: open ${app.graphqlUrl} in a browser\n` : '') +
        `  Worker: ${app.runner ? 'running in this process' : 'not in this process'}\n\n`,
    );
  } else {
    logger.info({ ...app.opsPorts }, 'worker is running');
  }
  app.runner?.promise.catch(() => onSignal('SIGTERM'));
}
