import { builder } from '../schema/builder.ts';
import { ServerInfoRef } from '../schema/server-info.ts';

builder.queryField('serverInfo', (t) =>
  t.field({
    type: ServerInfoRef,
    description: 'Version and clock of the server. Needs no sign-in.',
    resolve: (_root, _args, ctx) => ({ version: ctx.services.version, time: new Date() }),
  }),
);
