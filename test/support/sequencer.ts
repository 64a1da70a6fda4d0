/**
 * The order test files start in (docs/decisions.md, "Test time"). Vitest runs the longest files
 * first when its cache knows their durations, and the largest first when it does not — as in a
 * clean clone, where the longest suites (a few kilobytes each, most of their time spent waiting on
 * the processes they start) would otherwise start last and run on while the other worker has
 * nothing left. These start first, in this order, whatever the cache holds; every other file keeps
 * vitest's own order behind them. A path no longer in the suite is ignored.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Measured the longest, longest first (the full run's per-file figures in docs/decisions.md). */
export const LONGEST_FIRST: readonly string[] = [
  'test/e2e/research-order.int.test.ts',
  'test/e2e/readme-walkthrough.int.test.ts',
  'test/e2e/crash-distributed.int.test.ts',
  'test/store/concurrent-start.int.test.ts',
  'test/e2e/postgres-restart.int.test.ts',
  'test/e2e/shutdown-drain.int.test.ts',
  'test/e2e/startup.int.test.ts',
  'test/e2e/background-work.int.test.ts',
];

/** Vitest's sequencer with the longest files moved to the front. */
export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => LONGEST_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
    const pinned = sorted.filter((spec) => rank(spec) >= 0).sort((a, b) => rank(a) - rank(b));
    return [...pinned, ...sorted.filter((spec) => rank(spec) < 0)];
  }
}
