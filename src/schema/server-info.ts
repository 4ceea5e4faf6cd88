import { builder } from './builder.ts';

export interface ServerInfo {
  version: string;
  time: Date;
}

export const ServerInfoRef = builder.objectRef<ServerInfo>('ServerInfo').implement({
  description: 'Facts about the Tmates server answering this request.',
  fields: (t) => ({
    version: t.exposeString('version', { description: 'Tmates version (semver).' }),
    time: t.expose('time', { type: 'DateTime', description: "The server's clock, for clients to detect skew." }),
  }),
});
