// The direction of imports in src/ (see ARCHITECTURE.md): each layer may import only the
// layers below it. `npm test` runs this; a new import against the arrows fails it.
const FEATURES = '(commands|queries|projections|sagas|market|exports)';
const APP = 'src/(cli/|app\\.|main\\.ts|stop-on-signals\\.ts)';
const SPEC = '\\.spec\\.ts$';

/** Files under `from` may import nothing under src/ but `allowed` (and their own folder). */
function onlyBelow(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: `^src/${from}/`, pathNot: SPEC },
    to: { path: '^src/', pathNot: `^src/(${[from, ...allowed].join('|')})/` },
  };
}

/** Features do not reach into each other, but for the ones a feature coordinates. */
function featureAlone(feature, mayUse) {
  const others = ['commands', 'queries', 'projections', 'sagas', 'market', 'exports'].filter(
    (other) => other !== feature && !mayUse.includes(other),
  );
  return {
    name: `${feature}-not-into-other-features`,
    comment: `${feature} may use ${mayUse.join(', ') || 'no other feature'}`,
    severity: 'error',
    from: { path: `^src/${feature}/`, pathNot: SPEC },
    to: { path: `^src/(${others.join('|')})/` },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No file-level import circles.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    onlyBelow('domain-is-pure', 'domain', [], 'The domain imports nothing of the app.'),
    onlyBelow('events-on-domain', 'events', ['domain'], 'Event plumbing sits on the domain.'),
    onlyBelow('port-on-events', 'event-store', ['domain', 'events'], 'The port knows events only.'),
    onlyBelow('shared-is-low', 'shared', ['domain', 'events', 'event-store'], 'Shared vocabulary.'),
    onlyBelow(
      'config-is-low',
      'config',
      ['domain', 'shared'],
      'Configuration is read below features.',
    ),
    {
      name: 'infrastructure-below-features',
      comment: 'Adapters and libraries implement ports; they never import a feature or the edge.',
      severity: 'error',
      from: { path: '^src/infrastructure/', pathNot: SPEC },
      to: { path: `^(src/${FEATURES}/|src/api/|${APP})` },
    },
    {
      name: 'adapters-behind-ports',
      comment: 'Only the event-store module binds an event-store adapter.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: `^src/infrastructure/event-store/|${SPEC}`,
      },
      to: { path: '^src/infrastructure/event-store/(postgres|eventstoredb)/' },
    },
    {
      name: 'features-below-api',
      comment: 'Features never import the GraphQL edge or the app.',
      severity: 'error',
      from: { path: `^src/${FEATURES}/`, pathNot: SPEC },
      to: { path: `^(src/api/|${APP})` },
    },
    {
      name: 'api-below-app',
      comment: 'The edge is wired by the app, not the other way.',
      severity: 'error',
      from: { path: '^src/api/', pathNot: SPEC },
      to: { path: `^${APP}` },
    },
    featureAlone('commands', []),
    featureAlone('queries', []),
    featureAlone('projections', []),
    featureAlone('market', []),
    featureAlone('sagas', ['commands', 'market']),
    featureAlone('exports', []),
    {
      name: 'src-stands-alone',
      comment: 'The product never imports its tests, benchmarks or test kit.',
      severity: 'error',
      from: { path: '^src/', pathNot: SPEC },
      to: { path: '^(test|bench|test-kit)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
