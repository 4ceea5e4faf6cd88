import { builder } from './builder.ts';

interface ServerInfo {
  version: string;
  time: Date;
}

const ServerInfoRef = builder.objectRef<ServerInfo>('ServerInfo').implement({
  description: 'Facts about the Tmates server answering this request.',
  fields: (t) => ({
    version: t.exposeString('version', { description: 'Tmates version (semver).' }),
    time: t.expose('time', { type: 'DateTime', description: "The server's clock, for clients to detect skew." }),
  }),
});

builder.queryField('serverInfo', (t) =>
  t.field({
    type: ServerInfoRef,
    description: 'Version and clock of the server. Needs no sign-in.',
    resolve: (_root, _args, ctx) => ({ version: ctx.services.version, time: new Date() }),
  }),
);
