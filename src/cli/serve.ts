import { startApp, type StartOptions } from '../app.ts';

/**
 * Runs until SIGINT/SIGTERM, then shuts down gracefully: stop accepting, drain in-flight requests
 * and jobs within SHUTDOWN_TIMEOUT_MS, close sockets, stop the embedded PostgreSQL. A second signal
 * forces an immediate exit.
 */
export async function runServeCommand(options: StartOptions): Promise<void> {
  const { logger } = options;
  const app = await startApp(options);
  if (app.graphqlUrl) {
    logger.info({ url: app.graphqlUrl, worker: Boolean(app.runner) }, `Tmates is ready at ${app.graphqlUrl}`);
    process.stderr.write(
      `\n  Tmates ${app.services.version} is ready\n` +
        `  GraphQL (HTTP, SSE, WebSocket): ${app.graphqlUrl}\n` +
        (app.services.config.graphiql ? `  Playground: open ${app.graphqlUrl} in a browser\n` : '') +
        `  Worker: ${app.runner ? 'running in this process' : 'not in this process'}\n\n`,
    );
  } else {
    logger.info('worker is running');
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    app.stop(`received ${signal}`).then(
      () => process.exit(0),
      (error: Error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  app.runner?.promise.catch(() => onSignal('SIGTERM'));
}
