import type { CatalogListing } from '../services/catalog.ts';
import { builder } from './builder.ts';
import { AppearanceRef, TeammateCategoryEnum, TeammateRef } from './teammates.ts';

export const CatalogTeammateRef = builder.objectRef<CatalogListing>('CatalogTeammate').implement({
  description: 'A teammate one can hire, bundled with Tmates.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Catalog key, for hireTeammate.' }),
    version: t.exposeString('version', { description: 'Manifest version.' }),
    name: t.string({ description: 'Name they go by.', resolve: (e) => e.manifest.name }),
    role: t.string({ description: 'Job title.', resolve: (e) => e.manifest.role }),
    description: t.string({ description: 'What they are good for.', resolve: (e) => e.manifest.description }),
    category: t.field({ type: TeammateCategoryEnum, description: 'Kind of work.', resolve: (e) => e.manifest.category }),
    personality: t.string({ description: 'Temperament and voice.', resolve: (e) => e.manifest.personality }),
    appearance: t.field({ type: AppearanceRef, description: 'Emoji and colour.', resolve: (e) => e.manifest.appearance }),
    tools: t.stringList({ description: 'Tools they use.', resolve: (e) => e.manifest.tools }),
    model: t.string({ description: 'Default model.', resolve: (e) => e.manifest.model }),
    capabilities: t.stringList({ description: 'What they can do, in short.', resolve: (e) => e.manifest.capabilities }),
    integrations: t.stringList({
      description: 'Integrations the role uses once connected (e.g. email, image-generation).',
      resolve: (e) => e.manifest.integrations,
    }),
    starter: t.boolean({ description: 'Hired for every new organisation.', resolve: (e) => e.manifest.starter }),
    author: t.string({ description: 'Who wrote the manifest.', resolve: (e) => e.manifest.author }),
    hired: t.boolean({ description: "On the caller's team right now.", resolve: (e) => e.hiredTeammateId !== undefined }),
    teammate: t.field({
      type: TeammateRef,
      nullable: true,
      description: 'The hired teammate, when hired.',
      resolve: (e) => e.hiredTeammateId ?? null,
    }),
  }),
});
