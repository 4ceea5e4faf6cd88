import { useEffect } from 'react';
import { useMutation, useQuery, useSubscription } from 'urql';
import { Markdown } from '../components/Markdown.tsx';
import { Link, Route, Switch } from 'wouter';
import {
  WebCancelGoalDocument,
  WebDeleteScheduleDocument,
  WebGoalDocument,
  WebGoalEventsDocument,
  WebGoalsDocument,
  WebPauseScheduleDocument,
  type WebGoalFieldsFragment,
} from '../../../generated/graphql.ts';

const ENDED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Goals (start one from a thread), followed live with `goalEvents`; recurring schedules. */
export default function Goals() {
  return (
    <Switch>
      <Route path="/">
        <GoalList />
      </Route>
      <Route path="/:id">{(params) => <GoalDetail id={params.id} />}</Route>
    </Switch>
  );
}

function GoalList() {
  const [{ data }, refetch] = useQuery({ query: WebGoalsDocument, requestPolicy: 'cache-and-network' });
  const [, pause] = useMutation(WebPauseScheduleDocument);
  const [, remove] = useMutation(WebDeleteScheduleDocument);
  const again = () => refetch({ requestPolicy: 'network-only' });
  const goals = data?.goals.edges.map((e) => e.node) ?? [];
  const schedules = data?.schedules.edges.map((e) => e.node) ?? [];
  return (
    <section className="page">
      <h1>Goals</h1>
      {goals.length === 0 ? (
        <p className="empty">No goals yet. Open a thread and choose “Start a goal”.</p>
      ) : (
        <ul className="cards">
          {goals.map((g) => (
            <li key={g.id} className="card">
              <div>
                <Link href={`/${g.id}`}><strong>{g.instruction}</strong></Link>
                <p className="muted">{g.status} · {g.progress.done}/{g.progress.total} tasks</p>
              </div>
            </li>
          ))}
        </ul>
      )}
      <h2>Schedules</h2>
      {schedules.length === 0 ? (
        <p className="empty">No recurring goals.</p>
      ) : (
        <ul>
          {schedules.map((s) => (
            <li key={s.id}>
              {s.instruction} — <code>{s.cron}</code> ({s.timezone}) {s.paused ? '· paused' : s.nextRunAt ? `· next ${new Date(s.nextRunAt).toLocaleString()}` : ''}{' '}
              <button type="button" onClick={async () => (await pause({ input: { scheduleId: s.id, paused: !s.paused } }), again())}>
                {s.paused ? 'Resume' : 'Pause'}
              </button>{' '}
              <button type="button" onClick={async () => (await remove({ input: { scheduleId: s.id } }), again())}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function GoalDetail({ id }: { id: string }) {
  const [{ data, error, fetching }, refetch] = useQuery({ query: WebGoalDocument, variables: { id }, requestPolicy: 'network-only' });
  const initial = data?.goal;
  const [{ data: live }] = useSubscription(
    { query: WebGoalEventsDocument, variables: { goalId: id }, pause: !initial || ENDED.has(initial.status) },
    (_previous, event) => event,
  );
  const [, cancel] = useMutation(WebCancelGoalDocument);
  const liveGoal = live?.goalEvents.goal;
  const liveStatus = liveGoal?.status;
  // The last events of a goal can arrive before the ones of its tasks: once it has ended, read it whole.
  useEffect(() => {
    if (liveStatus && ENDED.has(liveStatus)) refetch({ requestPolicy: 'network-only' });
  }, [liveStatus, refetch]);
  const goal: WebGoalFieldsFragment | undefined = (initial && ENDED.has(initial.status) ? initial : liveGoal ?? initial) ?? undefined;
  if (!goal) {
    if (error || (!fetching && data && !data.goal)) {
      return (
        <section className="page">
          <p>This goal does not exist, or you cannot see it. <Link href="/">Back to goals</Link></p>
        </section>
      );
    }
    return <div className="skeleton" />;
  }
  const percent = goal.progress.total ? Math.round((goal.progress.done / goal.progress.total) * 100) : 0;
  return (
    <section className="page goal">
      <p><Link href="/">← Goals</Link> · <Link href={`~/threads/${goal.thread.id}`}>Open the thread</Link></p>
      <h1>{goal.instruction}</h1>
      <p>
        Status: <strong data-testid="goal-status">{goal.status}</strong>
      </p>
      <progress value={goal.progress.done} max={Math.max(goal.progress.total, 1)} aria-label={`Progress: ${percent}%`} />
      <ol className="tasks">
        {goal.tasks.map((t) => (
          <li key={t.id}>
            <strong>{t.title}</strong> — {t.assignee.name} · {t.status}
            {t.progress ? <span className="muted"> · {t.progress}</span> : null}
          </li>
        ))}
      </ol>
      {goal.error && <p className="error">{goal.error}</p>}
      {goal.report && (
        <>
          <h2>Report</h2>
          <div className="report">
            <Markdown text={goal.report} />
          </div>
        </>
      )}
      {!ENDED.has(goal.status) && (
        <button type="button" onClick={() => void cancel({ goalId: id })}>
          Cancel goal
        </button>
      )}
    </section>
  );
}
