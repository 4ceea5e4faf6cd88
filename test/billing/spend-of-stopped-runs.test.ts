import { decodeGlobalID } from '@pothos/plugin-relay';
import { countTokens } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { signUpUser } from '../helpers/accounts.ts';
import { gqlAs } from '../helpers/kit.ts';
import { directThreadOf, finalReplyOf, send, until, useServerWithFakeModel, waitForRun, watchThread } from '../helpers/agents.ts';

/**
 * Usage counts what was spent: a reply cancelled mid-stream (the provider never sends its usage
 * chunk) records the tokens streamed before it stopped, counted with a tokenizer and marked estimated.
 */
const ctx = useServerWithFakeModel();
const RUN_SPEND = 'query($id: ID!) { node(id: $id) { ... on Run { status promptTokens completionTokens tokensEstimated } } }';
const RUN_OUTPUT = 'query($id: ID!) { node(id: $id) { ... on Run { output } } }';

async function usageRow(runId: string) {
  return ctx.server.app.services.db
    .selectFrom('usage_events')
    .select(['prompt_tokens', 'completion_tokens', 'tokens_estimated'])
    .where('run_id', '=', decodeGlobalID(runId).id)
    .where('kind', '=', 'run')
    .executeTakeFirstOrThrow();
}

describe('spend of stopped runs', () => {
  it('a run cancelled after 5 streamed chunks records the tokens it streamed, estimated', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Spender');
    const thread = await directThreadOf(server, user);
    const sub = await watchThread(server, user, thread);
    fake.enqueue({ kind: 'endless', intervalMs: 20 });
    const runId = (await send(server, user, thread, 'Talk forever')).runs[0].id;
    await until(sub, (e) => e.__typename === 'MessageDeltaEvent' && e.offset + e.delta.length >= 5 * 'and more '.length);
    await gqlAs(server, user, 'mutation($id: ID!) { cancelRun(input: { runId: $id }) { __typename } }', { id: runId });
    await until(sub, (e) => finalReplyOf(runId)(e) && e.message.status === 'CANCELLED');
    sub.stop();

    // The spend is written when the worker lets go of the run, after the reply is final.
    let run: Record<string, any> = {};
    const deadline = Date.now() + 20_000;
    while (!(run.completionTokens > 0) && Date.now() < deadline) {
      run = (await gqlAs(server, user, RUN_SPEND, { id: runId })).node;
      if (!(run.completionTokens > 0)) await new Promise((r) => setTimeout(r, 25));
    }
    const output: string = (await gqlAs(server, user, RUN_OUTPUT, { id: runId })).node.output;
    expect(output.split('and more').length - 1).toBeGreaterThanOrEqual(5);
    expect(run).toMatchObject({ status: 'CANCELLED', tokensEstimated: true });
    // Counted from the text streamed (the saved output is that text, trimmed of its last space).
    const streamed = countTokens(`${output} `);
    expect([streamed, countTokens(output)]).toContain(run.completionTokens);
    expect(run.promptTokens).toBeGreaterThan(50); // the persona and the thread were sent, too
    expect(await usageRow(runId)).toEqual({ prompt_tokens: run.promptTokens, completion_tokens: run.completionTokens, tokens_estimated: true });
    const usage = await gqlAs(server, user, '{ viewer { currentOrg { usage { completionTokens } } } }');
    expect(usage.viewer.currentOrg.usage.completionTokens).toBeGreaterThanOrEqual(run.completionTokens);
  });

  it('a run whose stream breaks mid-answer records what it streamed, estimated', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Broken');
    const thread = await directThreadOf(server, user);
    // The first attempt and every retry break the same way (only for this message).
    for (let i = 0; i < 6; i += 1) fake.enqueue({ kind: 'cut', chunks: ['Half ', 'an ', 'answer'], when: 'Tell me' });
    const runId = (await send(server, user, thread, 'Tell me')).runs[0].id;
    await waitForRun(server, user, runId, ['FAILED', 'SUCCEEDED', 'CANCELLED'], 60_000);
    const run = (await gqlAs(server, user, RUN_SPEND, { id: runId })).node;
    expect(run).toMatchObject({ status: 'FAILED', tokensEstimated: true });
    expect(run.completionTokens).toBeGreaterThanOrEqual(countTokens('Half an answer'));
  });

  it('counts a finished reply from its text when the server reports no usage, and trusts reported usage otherwise', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Counter');
    const thread = await directThreadOf(server, user);
    fake.enqueue({ kind: 'text', chunks: ['Hello ', 'there, ', 'friend.'], usage: { prompt: 0, completion: 0 } });
    const silent = (await send(server, user, thread, 'Hi')).runs[0].id;
    await waitForRun(server, user, silent, ['SUCCEEDED']);
    const estimated = (await gqlAs(server, user, RUN_SPEND, { id: silent })).node;
    expect(estimated).toMatchObject({ status: 'SUCCEEDED', tokensEstimated: true, completionTokens: 5 }); // Hello| there|,| friend|.
    expect(estimated.promptTokens).toBeGreaterThan(0);

    fake.enqueue({ kind: 'text', chunks: ['Reported.'], usage: { prompt: 123, completion: 7 } });
    const reported = (await send(server, user, thread, 'Again')).runs[0].id;
    await waitForRun(server, user, reported, ['SUCCEEDED']);
    expect((await gqlAs(server, user, RUN_SPEND, { id: reported })).node).toEqual({ status: 'SUCCEEDED', promptTokens: 123, completionTokens: 7, tokensEstimated: false });
  });
});
