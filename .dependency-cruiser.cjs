/**
 * The architecture, checked: no app imports another app (apps talk only through events), and
 * libs are layered as in STYLE.md — a lib imports only libs below it:
 *   contracts < fhir < identity < policy < audit ; contracts < messaging < platform ; testing on top of the libs.
 */
const LAYERS = {
  contracts: [],
  fhir: ['contracts'],
  identity: ['contracts', 'fhir'],
  policy: ['contracts', 'fhir', 'identity'],
  audit: ['contracts', 'fhir', 'identity', 'policy'],
  messaging: ['contracts'],
  platform: ['contracts', 'fhir', 'messaging'],
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
