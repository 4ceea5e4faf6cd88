import { randomUUID } from 'node:crypto';
import { startApp } from '../app.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import { topics } from '../realtime/events.ts';
import { findReplyOfRun } from '../repositories/messages.ts';
import { stepsOfRuns } from '../repositories/run-steps.ts';
import { findRun } from '../repositories/runs.ts';
import { findHiredTeammateByName } from '../repositories/teammates.ts';
import { ensureUserByEmail, tokenFor } from '../services/accounts.ts';
import { hireTeammate } from '../services/teammates.ts';
import { sendMessage } from '../services/messages.ts';
import { createThread } from '../services/threads.ts';
import { authenticate } from '../services/viewer.ts';
import { DEFAULT_CLI_EMAIL } from './identity.ts';

/**
 * `tmates run <teammate> --message "…"`: one turn of a teammate in the person's direct thread with
 * it, executed in this process and streamed to the terminal as the model writes (tool calls are
 * listed on stderr). Works on the embedded database of a running `tmates serve` or on DATABASE_URL;
 * a catalog teammate that is not on the team yet is hired first.
 */
export async function runRunCommand(
  config: Config,
  logger: Logger,
  options: { teammate: string; message: string; email?: string },
): Promise<number> {
  const app = await startApp({ config, logger, http: false, worker: false });
  const { services } = app;
  app.agents.startBackground({ sweep: false }); // heartbeats: the run is ours, nobody should recover it
  try {
    const user = await ensureUserByEmail(services, options.email ?? DEFAULT_CLI_EMAIL);
    const viewer = (await authenticate(services, { token: (await tokenFor(services, user)).token }))!;
    const teammate =
      (await findHiredTeammateByName(services.db, viewer.org.id, options.teammate)) ??
      (await hireTeammate(services, viewer, { catalogKey: options.teammate.toLowerCase() }).catch(() => undefined));
    if (!teammate) {
      process.stderr.write(`tmates: no teammate called "${options.teammate}" on the team or in the catalog.\n`);
      return 1;
    }
    const { thread } = await createThread(services, viewer, { kind: 'direct', teammateIds: [teammate.id] });
    const { runs } = await sendMessage(services, viewer, thread.id, { body: options.message, clientMessageId: randomUUID() }, { inline: true });
    const run = runs[0];
    if (!run) {
      process.stderr.write('tmates: nobody answered.\n');
      return 1;
    }
    let printed = 0;
    const unsubscribe = services.bus.subscribe(topics.thread(thread.id), (event) => {
      if (event.kind !== 'delta' || event.offset + event.delta.length <= printed) return;
      process.stdout.write(event.delta.slice(Math.max(0, printed - event.offset)));
      printed = event.offset + event.delta.length;
    });
    process.stderr.write(`${teammate.name} (${teammate.role}):\n`);
    await services.agents.execute(run.id, { workerId: null, attempts: 1, maxAttempts: 1 });
    unsubscribe();
    const [ended, reply, steps] = await Promise.all([
      findRun(services.db, run.id),
      findReplyOfRun(services.db, run.id),
      stepsOfRuns(services.db, [run.id]),
    ]);
    // Whatever the live stream missed (or all of it, if events were slow) comes from the final message.
    if (reply && reply.body.length > printed) process.stdout.write(reply.body.slice(printed));
    process.stdout.write('\n');
    for (const step of steps.get(run.id) ?? []) {
      process.stderr.write(`  [${step.toolName}] ${step.status}${step.error ? `: ${step.error}` : ''}\n`);
    }
    if (ended?.status !== 'succeeded') {
      process.stderr.write(`tmates: the run ${ended?.status ?? 'vanished'}${ended?.error ? `: ${ended.error}` : ''}\n`);
      return 1;
    }
    process.stderr.write(`(${ended.model}, ${ended.promptTokens} + ${ended.completionTokens} tokens, ${ended.durationMs} ms)\n`);
    return 0;
  } finally {
    await app.stop('run finished');
  }
}
