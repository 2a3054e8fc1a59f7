import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Integration tests spawn real processes on a 2-core machine: give them room, and keep files
    // from fighting for the two cores more than they must.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    pool: 'forks',
    // The SDK's one-time notice about its future Node 22 requirement would drown the test output. Users see it
    // (the CLI no longer hides it); tests that read the CLI's stderr filter it where they spawn without this.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // `npm test` runs with --coverage: totals (statements, branches, functions, lines) at the end of the output,
    // and a per-file HTML report in coverage/. Code that runs in child processes (the CLI spawned by e2e tests, function
    // runtimes) is not counted, so the figures are a floor.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.{ts,tsx}'],
      reporter: ['text-summary', 'html'],
      reportsDirectory: 'coverage',
    },
  },
});
