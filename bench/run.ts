/**
 * `npm run bench`: every benchmark in bench/, one after another (they measure the machine, so
 * never in parallel). Each prints its figures and targets and exits non-zero on a miss.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = import.meta.dirname;
// Names choose benches; flags (`--quick`) are handed to each bench run.
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench}`);
  const result = spawnSync(process.execPath, [path.join(dir, bench), ...flags], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    console.log(`=== ${bench}: MISSED A TARGET (exit ${result.status})`);
  }
}
console.log(`\n${benches.length - failed} of ${benches.length} benchmarks met their targets`);
process.exitCode = failed === 0 ? 0 : 1;
