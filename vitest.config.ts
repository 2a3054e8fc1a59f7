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
  },
});
