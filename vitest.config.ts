import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'simulators/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Three forks on two cores (docs/decisions.md "Three test workers"): most suites wait on the
    // processes they start (PostgreSQL, Redis, gateways, workers), so a third fills that wait.
    maxWorkers: 3,
  },
});
