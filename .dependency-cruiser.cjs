/**
 * The architecture, checked: no app imports another app (apps talk only through events), and
 * libs are layered as in STYLE.md — a lib imports only libs below it:
 *   contracts < identity < fhir < policy < audit ; contracts < messaging < platform ; testing on top of the libs.
 * identity sits below fhir because the FHIR validator checks NHS numbers and the builders
 * normalise identifiers; contracts holds what every layer shares (names, catalogue, OperationOutcome).
 */
const LAYERS = {
  contracts: [],
  identity: ['contracts'],
  fhir: ['contracts', 'identity'],
  policy: ['contracts', 'fhir', 'identity'],
  audit: ['contracts', 'fhir', 'identity', 'policy'],
  messaging: ['contracts'],
  platform: ['contracts', 'identity', 'fhir', 'messaging'],
  testing: ['contracts', 'fhir', 'identity', 'policy', 'audit', 'messaging', 'platform'],
};

/** Tests of a lib may use libs/testing. */
const TEST_FILES = ['\\.(e2e-)?spec\\.ts$', '/test/'];

const libRules = Object.entries(LAYERS).map(([lib, allowed]) => ({
  name: `lib-${lib}-layering`,
  comment: `libs/${lib} may import only: ${allowed.length ? allowed.join(', ') : 'no other lib'}`,
  severity: 'error',
  from: { path: `^libs/${lib}/`, pathNot: TEST_FILES },
  to: { path: '^libs/([^/]+)/', pathNot: [`^libs/(${[lib, ...allowed].join('|')})/`] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-app-imports-another-app',
      comment: 'Apps talk only through events; shared code belongs in libs/.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/([^/]+)/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-lib-imports-an-app',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-runtime-code-imports-testing',
      comment: 'libs/testing is for tests, tools and benchmarks only.',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: [...TEST_FILES, '^libs/testing/'] },
      to: { path: '^libs/testing/' },
    },
    ...libRules,
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|\\.stack|node_modules)/' },
  },
};
