import { defineConfig } from 'vitest/config';

// The policies' unit tests alone: no server, no database servers, no build. Stryker runs these for
// every mutant of src/policies (see stryker.config.json), so nothing slow belongs here.
export default defineConfig({
  test: {
    include: ['packages/gateway/src/policies/**/*.test.ts'],
    testTimeout: 10_000,
  },
});
