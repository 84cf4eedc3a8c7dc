import { defineConfig } from 'vitest/config';

// The policies' unit tests, the usage meter's (src/usage, on every request's path too) and the error
// catalog's and envelopes' (src/errors, src/envelopes: every refusal is rendered by them) alone: no
// server, no database servers, no build. Stryker runs these for every mutant of src/policies (see
// stryker.config.json) and of the gated files, so nothing slow belongs here.
export default defineConfig({
  test: {
    include: [
      'packages/gateway/src/policies/**/*.test.ts',
      'packages/gateway/src/usage/**/*.test.ts',
      'packages/gateway/src/errors/**/*.test.ts',
      'packages/gateway/src/envelopes/**/*.test.ts',
    ],
    testTimeout: 10_000,
    // Each file opens its own stores, so files need no module isolation; without it a mutant's run
    // re-imports only the test files, not Ajv, SQLite and the config loader (Stryker ignores the
    // static mutants that a shared module cache would hide: `ignoreStatic`).
    isolate: false,
  },
});
