import type { Executor } from '../db/database.ts';

/** A teammate's running summary of a thread's older messages. */
export interface ThreadSummary {
  threadId: string;
  teammateId: string;
  throughSeq: number;
  summary: string;
}

export async function findThreadSummary(db: Executor, threadId: string, teammateId: string): Promise<ThreadSummary | undefined> {
  const row = await db
    .selectFrom('thread_summaries')
    .select(['thread_id', 'teammate_id', 'through_seq', 'summary'])
    .where('thread_id', '=', threadId)
    .where('teammate_id', '=', teammateId)
    .executeTakeFirst();
  return row && { threadId: row.thread_id, teammateId: row.teammate_id, throughSeq: Number(row.through_seq), summary: row.summary };
}

/** Saves a summary; never moves one backwards (two runs summarising at once keep the newer). */
export async function saveThreadSummary(db: Executor, values: ThreadSummary & { orgId: string }): Promise<void> {
  await db
    .insertInto('thread_summaries')
    .values({ thread_id: values.threadId, teammate_id: values.teammateId, org_id: values.orgId, through_seq: values.throughSeq, summary: values.summary })
    .onConflict((oc) =>
      oc
        .columns(['thread_id', 'teammate_id'])
        .doUpdateSet((eb) => ({ through_seq: eb.ref('excluded.through_seq'), summary: eb.ref('excluded.summary') }))
        .where('thread_summaries.through_seq', '<', String(values.throughSeq)),
    )
    .execute();
}

/** Drops every teammate's summary of a thread (a session reset starts without one). */
export async function deleteThreadSummaries(db: Executor, threadId: string): Promise<void> {
  await db.deleteFrom('thread_summaries').where('thread_id', '=', threadId).execute();
}
