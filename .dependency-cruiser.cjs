/**
 * Layer rules of DESIGN.md "Layout": dependencies point inward.
 * lib ← model ← mapping; adapters know nothing of the hub; identity knows model, lib and the store's
 * port types, behind one public entry; batch linkage stays out of the runtime; gateway and queue never
 * import each other; only main.ts and src/main/ (the composition root) import everything.
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
    // The case owns every access decision and the stored picture; it asks identity (through its one
    // entry) for possible-match decisions and the picture's people (docs/decisions.md "The case has one owner").
    layer('case', ['model', 'lib', 'audit', 'store', 'identity'], 'case: model, audit, store and identity'),
    layer('audit', ['model', 'lib', 'store'], 'audit: model, lib, store'),
    layer('host', ['model', 'lib', 'adapters/http', 'adapters/port'], 'host: model, lib and the shared outbound transport'),
    layer('store', ['model', 'lib'], 'store: model and lib'),
    layer('research', ['model', 'lib', 'store', 'audit', 'adapters', 'mapping', 'case', 'identity'], 'the research workflow: no transport (docs/decisions.md)'),
    layer('gateway', ['model', 'lib', 'store', 'case', 'audit', 'research', 'config', 'host', 'identity'], 'gateway never imports queue'),
    layer('queue', ['model', 'lib', 'store', 'research', 'case', 'audit', 'host', 'config'], 'queue never imports gateway'),
    // Identity (docs/decisions.md "One home for identity"): model, lib and the store's port types;
    // the store, the audit log and the case implement the ports it declares.
    layer('identity', ['model', 'lib', 'store/db'], 'identity: model, lib and a store port (DESIGN.md "Layout")'),
    {
      name: 'identity-store-port-types-only',
      comment: 'identity names the store port (src/store/db.ts) as types only; it never runs store code itself',
      severity: 'error',
      from: { path: '^src/identity/' },
      to: { path: '^src/store/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'identity-one-entry',
      comment: 'src/identity/index.ts is the one public entry of identity: nothing outside imports another file of it',
      severity: 'error',
      from: { pathNot: '^src/identity/' },
      to: { path: '^src/identity/', pathNot: '^src/identity/index\\.ts$' },
    },
    // Batch linkage tooling (EM estimation, the link command's CSV) is for the CLI and the benchmarks.
    layer('linkage', ['identity', 'model', 'lib'], 'batch linkage: identity through its entry, model, lib'),
    {
      name: 'linkage-only-from-cli-and-bench',
      comment: 'batch linkage is imported only by src/cli/ and bench/',
      severity: 'error',
      from: { pathNot: ['^src/(cli|linkage)/', '^bench/'] },
      to: { path: '^src/linkage/' },
    },
    {
      name: 'runtime-never-reaches-linkage',
      comment: 'the runtime (src/main.ts and everything it reaches) never loads batch linkage tooling',
      severity: 'error',
      from: { path: '^src/main\\.ts$' },
      to: { path: '^src/linkage/', reachable: true },
    },
    {
      name: 'only-main-imports-everything',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main(\\.ts$|/)', '^src/cli/'] },
      to: { path: '^src/(main\\.ts|main/|cli/)' },
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
      from: { path: '^src/', pathNot: ['^src/main(\\.ts$|/)', '\\.test\\.ts$'] },
      to: { path: '^simulators/' },
    },
    {
      // One job engine (docs/decisions.md "One job engine, one retry policy"): the composition root
      // starts it; the rest of the hub sees only the scheduling ports of src/model/jobs.ts.
      name: 'job-engine-from-main',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main(\\.ts$|/)', '^src/queue/'] },
      to: { path: '^src/queue/(engine|bullmq|in-process)\\.ts$' },
    },
    {
      // BullMQ and Redis are the distributed engine's business, the shared rate limit's (docs/decisions.md
      // "Resilient connectors") and the engine's read-only dashboard's.
      name: 'redis-only-in-the-engine',
      severity: 'error',
      from: { pathNot: ['^src/queue/bullmq\\.ts$', '^src/queue/rate-limit-redis\\.ts$', '^src/queue/dashboard\\.ts$'] },
      to: { path: 'node_modules/(bullmq|ioredis)/' },
    },
    // Metrics (docs/decisions.md "Metrics: one registry per process"): the business code records
    // through the port in src/lib/metrics.ts; prom-client stays behind src/metrics, which only the
    // composition root starts.
    layer('metrics', ['lib', 'model', 'store'], 'metrics: the port, and the store figures it reads'),
    {
      name: 'prom-client-only-in-metrics',
      severity: 'error',
      from: { pathNot: '^src/metrics/' },
      to: { path: 'node_modules/prom-client/' },
    },
    {
      name: 'metrics-from-main',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main(\\.ts$|/)', '^src/metrics/'] },
      to: { path: '^src/metrics/' },
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
