import { revisionsOf, type VersionedTable } from '../repositories/revisions.ts';
import { batched } from './batched.ts';
import { builder } from './builder.ts';
import { OrgRef } from './orgs.ts';
import { PinboardPostRef } from './pinboard.ts';
import { MemoryRef, TeammateRef } from './teammates.ts';
import { ThreadRef } from './threads.ts';

// `revision` on what people edit together; edits take it back as `expectedRevision` (optimistic concurrency).

const loaders = new Map<VersionedTable, ReturnType<typeof batched<number>>>();
const revisionOf = (table: VersionedTable) => {
  let load = loaders.get(table);
  if (!load) loaders.set(table, (load = batched<number>((ctx, ids) => revisionsOf(ctx.db, table, ids), 1)));
  return load;
};

const description = (what: string) =>
  `Version of ${what}: 1, then +1 with every change. Send it as \`expectedRevision\` with an edit to be told (ConflictError) when someone changed it meanwhile.`;

builder.objectFields(PinboardPostRef, (t) => ({
  revision: t.int({ description: description('the post (title, body, priority, pinned, tags)'), resolve: (p, _a, ctx) => revisionOf('pinboard_posts')(ctx, p.id) }),
}));
builder.objectFields(TeammateRef, (t) => ({
  revision: t.int({ description: description('the teammate’s persona (name, role, personality, instructions, model, tools, appearance)'), resolve: (m, _a, ctx) => revisionOf('teammates')(ctx, m.id) }),
}));
builder.objectFields(MemoryRef, (t) => ({
  revision: t.int({ description: description('the note'), resolve: (m, _a, ctx) => revisionOf('memories')(ctx, m.id) }),
}));
builder.objectFields(ThreadRef, (t) => ({
  revision: t.int({ description: description('the thread’s title and busy policy'), resolve: (th, _a, ctx) => revisionOf('threads')(ctx, th.id) }),
}));
builder.objectFields(OrgRef, (t) => ({
  revision: t.int({ description: description('the organisation’s name and settings'), resolve: (o, _a, ctx) => revisionOf('orgs')(ctx, o.id) }),
}));
