import type { Message } from '../repositories/messages.ts';
import { saveStreamingBody } from '../repositories/messages.ts';
import type { Run } from '../repositories/runs.ts';
import type { AppServices } from '../core/context.ts';
import { flushReply, keepIntermediateReply, type StartedRun } from '../services/runs.ts';

/** How long deltas are gathered into one `MessageDeltaEvent` after the first one goes out at once. */
export const DELTA_COALESCE_MS = 50;
/** How often the text so far is saved to the message row (what a client reading the thread sees). */
export const BODY_SAVE_MS = 500;

/**
 * Streams a reply's text to subscribers while the model writes it: the first delta goes out at
 * once, later ones are coalesced (~50 ms) into one event each, in order, each with its offset; the
 * body is saved to the row every ~500 ms without an event, and written as a durable change when a
 * subscriber resuming mid-answer asks for it (`flush`).
 */
export class ReplyStream {
  private body = '';
  private published = 0;
  /** When the body was last saved (or the first delta came): a reply the model writes within BODY_SAVE_MS is only written once, when the run ends. */
  private lastSave = 0;
  private saved = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly services: AppServices,
    private readonly started: StartedRun & { reply: Message },
  ) {}

  private get run(): Run {
    return this.started.run;
  }

  get messageId(): string {
    return this.started.reply.id;
  }

  append(delta: string): void {
    if (this.closed || delta.length === 0) return;
    if (this.body.length === 0) this.lastSave = Date.now();
    this.body += delta;
    if (this.published === 0 && !this.timer) this.publish();
    else this.timer ??= setTimeout(() => this.publish(), DELTA_COALESCE_MS);
    if (Date.now() - this.lastSave >= BODY_SAVE_MS) this.save();
  }

  private publish(): void {
    this.timer = undefined;
    if (this.published >= this.body.length) return;
    const delta = this.body.slice(this.published);
    const offset = this.published;
    this.published = this.body.length;
    const { orgId, threadId } = this.run;
    const messageId = this.started.reply.id;
    this.sending = this.sending
      .then(() => this.services.bus.publish([{ kind: 'delta', orgId, threadId, messageId, delta, offset }]))
      .catch((error) => this.services.logger.warn({ err: error, runId: this.run.id }, 'publishing a delta failed'));
  }

  private save(): void {
    this.lastSave = Date.now();
    const body = this.body;
    this.sending = this.sending
      .then(async () => {
        if (body.length <= this.saved) return;
        await saveStreamingBody(this.services.db, this.started.reply.id, body);
        this.saved = body.length;
      })
      .catch((error) => this.services.logger.warn({ err: error, runId: this.run.id }, 'saving a partial reply failed'));
  }

  /** A subscriber resumed mid-answer: write the text so far as a durable change, after what is queued. */
  flush(): Promise<void> {
    const result = this.sending.then(() => flushReply(this.services, this.started, this.body));
    this.sending = result.catch((error) => this.services.logger.warn({ err: error, runId: this.run.id }, 'flushing a reply failed'));
    return this.sending;
  }

  /**
   * Ends the message streamed so far as an intermediate message of the run (`body`, e.g. the
   * teammate's plan) and goes on streaming into a new reply message after it. Resolves false, with
   * nothing changed, when the run no longer runs (the stream then goes on as before).
   */
  async split(body: string): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer);
    this.publish();
    await this.sending;
    const next = await keepIntermediateReply(this.services, this.started, body);
    if (!next) return false;
    this.body = '';
    this.published = 0;
    this.saved = 0;
    this.lastSave = Date.now();
    return true;
  }

  /** Sends what is left and stops; resolves when every delta has been published. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.publish();
    this.closed = true;
    await this.sending;
  }
}
