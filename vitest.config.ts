import { defineConfig } from 'vitest/config';

// End-to-end tests open real sockets and child processes; give them room but never rely on timing.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Fails at once, in one line, when Redis, PostgreSQL or redis-server is missing, then brings dist/
    // up to date (the CLI tests and the examples run it).
    globalSetup: ['packages/gateway/test/helpers/global-setup.ts', 'packages/gateway/test/helpers/build-fresh.ts'],
  },
});
