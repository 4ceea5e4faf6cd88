/**
 * The import rules of src/ (issue 12), checked by `npm run lint:imports` (part of `npm test`).
 *
 * FLOORS lists the top-level folders of src/ bottom first: a file may import files of its own
 * floor and of the floors below it, never above. Type-only imports count (tsPreCompilationDeps).
 * The README's "Architecture" section draws the same floors; scripts/import-graph.ts reads them
 * from here.
 */
const FLOORS = [
  ['version.ts', 'logger.ts', 'billing', 'catalog', 'observability'], // pure: constants, plan limits, teammate manifests, metrics and spans
  ['config'], // environment -> typed configuration
  ['db', 'auth', 'storage'], // Kysely + migrations, tokens and passwords, file bytes
  ['realtime'], // the event bus, transactions that publish on commit
  ['repositories'], // every SQL statement
  ['models'], // model side: providers, routing, summaries, plan schema, briefs
  ['core'], // AppServices, Context, Viewer, AgentPort, JobQueue (types and ports)
  ['services'], // domain operations
  ['agents'], // worker-side runtime: turns, prompts, reply streams, tools, plans
  ['jobs'], // one task per file, the worker
  ['schema'], // GraphQL types (Pothos)
  ['resolvers'], // Query, Mutation and Subscription fields
  ['server'], // the assembled schema, Yoga, HTTP and WebSocket
  ['app.ts'], // wires the container and starts the process
  ['cli'], // the tmates command
];

const pathOf = (entry) => (entry.endsWith('.ts') ? `^src/${entry.replace('.', '\\.')}$` : `^src/${entry}/`);
const anyOf = (entries) => `(${entries.map(pathOf).join('|')})`;

const floorRules = FLOORS.slice(0, -1).map((floor, i) => ({
  name: `floor-${floor.join('+')}`,
  severity: 'error',
  comment: `${floor.join(', ')} may import only ${FLOORS.slice(0, i + 1).flat().join(', ')} (floors in .dependency-cruiser.cjs)`,
  from: { path: anyOf(floor) },
  to: { path: anyOf(FLOORS.slice(i + 1).flat()) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles between files of src/ (type imports count).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...floorRules,
    {
      name: 'no-unknown-folder',
      severity: 'error',
      comment: 'Every top-level folder of src/ stands on a floor: add a new one to FLOORS.',
      from: { path: '^src/', pathNot: anyOf(FLOORS.flat()) },
      to: {},
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.json$' },
  },
};
// Not part of dependency-cruiser's schema (hence not enumerable): scripts/import-graph.ts reads it.
Object.defineProperty(module.exports, 'FLOORS', { value: FLOORS, enumerable: false });
