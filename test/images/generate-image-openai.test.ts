import { describe, expect, it } from 'vitest';
import { gqlAs } from '../helpers/kit.ts';
import { signUpUser } from '../helpers/accounts.ts';
import { send, useServerWithFakeModel, waitForRun } from '../helpers/agents.ts';
import { TINY_PNG } from '../helpers/fake-openai.ts';

/**
 * `generate_image` with an OpenAI-compatible server: the images API (IMAGE_MODEL) with size from
 * the aspect and n from the count; the PNGs are attached to the reply and a vision-capable model
 * sees them on the next turn.
 */
const ctx = useServerWithFakeModel({ IMAGE_MODEL: 'gpt-image-1' });

describe('generate_image with OpenAI', () => {
  it('calls the images API, attaches the images to the reply, and shows them to a vision model later', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Art Director');
    const id = (await gqlAs(server, user, 'mutation { hireTeammate(input: { catalogKey: "illustrator" }) { ... on Teammate { id } } }')).hireTeammate.id;
    const thread = (await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: DIRECT, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', { t: [id] }))
      .createThread.thread.id;
    fake.enqueue(
      { kind: 'tools', calls: [{ name: 'generate_image', arguments: JSON.stringify({ prompt: 'A fox in a library, watercolour', aspect: '16:9', count: 2 }) }] },
      { kind: 'text', chunks: ['Two foxes, as asked.'] },
    );
    const run = await waitForRun(server, user, (await send(server, user, thread, 'Make two banner images of a fox in a library')).runs[0].id);
    expect(run).toMatchObject({ status: 'SUCCEEDED', reply: { body: 'Two foxes, as asked.' } });
    expect(fake.imageRequests.at(-1)).toMatchObject({ model: 'gpt-image-1', prompt: 'A fox in a library, watercolour', n: 2, size: '1536x1024' });
    const { node } = await gqlAs(server, user, `query($id: ID!) { node(id: $id) { ... on Run { reply { files { name contentType generatedBy { id } } } } } }`, { id: run.id });
    expect(node.reply.files).toEqual([
      { name: 'a-fox-in-a-library-watercolour-1.png', contentType: 'image/png', generatedBy: { id: run.id } },
      { name: 'a-fox-in-a-library-watercolour-2.png', contentType: 'image/png', generatedBy: { id: run.id } },
    ]);

    // The next turn (gpt-4o-mini sees images) gets them as image parts after the teammate's own message.
    fake.enqueue({ kind: 'text', chunks: ['The second one is warmer.'] });
    await waitForRun(server, user, (await send(server, user, thread, 'Which one is warmer?')).runs[0].id);
    const messages = fake.requests.at(-1)!.messages as Array<Record<string, any>>;
    const own = messages.findIndex((m) => m.role === 'assistant' && String(m.content).startsWith('Two foxes, as asked.'));
    expect(own).toBeGreaterThan(0);
    const shown = messages[own + 1]!;
    expect(shown.role).toBe('user');
    const parts = (shown.content as Array<Record<string, any>>).filter((p) => p.type === 'image_url');
    expect(parts).toHaveLength(2);
    expect(parts[0]!.image_url.url).toBe(`data:image/png;base64,${TINY_PNG}`);
  }, 60_000);

  it('reports a bad argument to the model instead of calling the images API', async () => {
    const { server, fake } = ctx;
    const user = await signUpUser(server, 'Careful');
    const id = (await gqlAs(server, user, 'mutation { hireTeammate(input: { catalogKey: "illustrator" }) { ... on Teammate { id } } }')).hireTeammate.id;
    const thread = (await gqlAs(server, user, 'mutation($t: [ID!]!) { createThread(input: { kind: DIRECT, teammateIds: $t }) { ... on CreateThreadPayload { thread { id } } } }', { t: [id] }))
      .createThread.thread.id;
    const before = fake.imageRequests.length;
    fake.enqueue({ kind: 'tools', calls: [{ name: 'generate_image', arguments: JSON.stringify({ prompt: 'A fox', count: 9 }) }] }, { kind: 'text', chunks: ['At most four, then.'] });
    const run = await waitForRun(server, user, (await send(server, user, thread, 'nine foxes')).runs[0].id);
    expect(run.steps).toMatchObject([{ toolName: 'generate_image', status: 'FAILED' }]);
    expect(fake.imageRequests.length).toBe(before);
  }, 60_000);
});
