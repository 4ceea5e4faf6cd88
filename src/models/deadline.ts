/** The work did not finish before its deadline (it was aborted; its result, if any, is ignored). */
export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
}

/**
 * Runs `work` with a signal that fires after `ms` milliseconds and settles by then at the latest:
 * with `work`'s result, or with `DeadlineExceeded` the moment the deadline passes — even when
 * `work` itself is slow to notice the signal (the SDK's retry backoff sleeps through an abort).
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceeded(`no answer within ${ms} ms`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  const running = work(controller.signal);
  running.catch(() => {}); // settled after the deadline: nobody is waiting for it any more
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
