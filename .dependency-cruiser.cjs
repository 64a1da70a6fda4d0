/**
 * Layer rules of DESIGN.md "Layout": dependencies point inward.
 * lib ← model ← mapping; adapters know nothing of the hub; gateway and queue never import each other;
 * only main.ts (the composition root) imports everything.
 */
const layer = (from, allowed, comment) => ({
  name: `${from}-layers`,
  comment,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: { path: '^src/', pathNot: [`^src/${from}/`, ...allowed.map((a) => `^src/${a}(/|\\.ts$)`)] },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    layer('lib', [], 'lib imports nothing of ours'),
    layer('model', ['lib'], 'model only imports lib'),
    layer('adapters', ['lib'], 'adapters know nothing of the hub'),
    layer('mapping', ['model', 'lib', 'adapters'], 'mapping is pure: model, lib and raw adapter types'),
    // The case owns every access decision and the stored picture; it calls the identity engine for
    // possible-match decisions and the picture's people (src/research/{possible-matches,picture-identity}.ts,
    // moving to src/identity), and nothing else of the research workflow (docs/decisions.md).
    layer('case', ['model', 'lib', 'audit', 'store', 'identity', 'research/possible-matches', 'research/picture-identity'], 'case: model, audit, store and the identity engine'),
    layer('audit', ['model', 'lib', 'store'], 'audit: model, lib, store'),
    layer('host', ['model', 'lib', 'adapters/http', 'adapters/port'], 'host: model, lib and the shared outbound transport'),
    layer('store', ['model', 'lib'], 'store: model and lib'),
    layer('research', ['model', 'lib', 'store', 'audit', 'adapters', 'mapping', 'case'], 'the research workflow: no transport (docs/decisions.md)'),
    layer('gateway', ['model', 'lib', 'store', 'case', 'audit', 'research', 'config', 'host'], 'gateway never imports queue'),
    layer('queue', ['model', 'lib', 'store', 'research', 'case', 'audit', 'host', 'config'], 'queue never imports gateway'),
    {
      name: 'only-main-imports-everything',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/cli/'] },
      to: { path: '^src/(main\\.ts|cli/)' },
    },
    {
      // The simulators are a product part (docs/decisions.md): they speak the agencies' wire formats,
      // so they may use the common model, lib and the adapters' wire types, nothing of the hub's logic.
      name: 'simulators-layers',
      severity: 'error',
      from: { path: '^simulators/', pathNot: ['\\.test\\.ts$'] },
      to: { path: '^(src|test|bench)/', pathNot: ['^src/(model|lib)/', '^src/adapters/[a-z-]+/types\\.ts$'] },
    },
    {
      // Only the composition root starts the simulators (embedded mode).
      name: 'only-main-imports-simulators',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '\\.test\\.ts$'] },
      to: { path: '^simulators/' },
    },
    {
      name: 'src-not-from-tests',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.test\\.ts$'] },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
