import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './test/support/sequencer.ts';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'simulators/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Empty PostgreSQL and PGlite clusters made once per run, copied per test (docs/decisions.md, "Test time").
    globalSetup: ['test/support/global-setup.ts'],
    // Two forks on two cores: most files wait on the processes they start; measured in docs/decisions.md, "Test time".
    maxWorkers: 2,
    // The longest files start first, cache or none (a clean clone has none).
    sequence: { sequencer: LongestFirstSequencer },
  },
});
