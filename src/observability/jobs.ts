import { context, SpanKind } from '@opentelemetry/api';
import { jobDuration, jobsRun } from './metrics.ts';
import { contextOfPayload, endWithError, tracer, tracingEnabled } from './tracing.ts';

/**
 * Runs one graphile-worker job measured (`tmates_jobs_total`, `tmates_job_duration_seconds` by task
 * and outcome) and, when tracing is on, inside a `process <task>` consumer span that continues the
 * trace named by the payload's `traceparent` (set by whoever enqueued it), so the work a request
 * caused on a worker joins the request's trace.
 */
export async function observeJob<T>(task: string, payload: unknown, job: { id: string; attempts: number }, run: () => Promise<T>): Promise<T> {
  const end = jobDuration.startTimer({ task });
  const counted = <V>(outcome: 'success' | 'error', value: V): V => {
    end({ outcome });
    jobsRun.inc({ task, outcome });
    return value;
  };
  if (!tracingEnabled()) {
    try {
      return counted('success', await run());
    } catch (error) {
      throw counted('error', error);
    }
  }
  return context.with(contextOfPayload(payload), () =>
    tracer().startActiveSpan(
      `process ${task}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'graphile_worker',
          'messaging.operation.type': 'process',
          'messaging.destination.name': task,
          'messaging.message.id': job.id,
          'tmates.job.attempt': job.attempts,
        },
      },
      async (span) => {
        try {
          const value = await run();
          span.end();
          return counted('success', value);
        } catch (error) {
          endWithError(span, error);
          throw counted('error', error);
        }
      },
    ),
  );
}
