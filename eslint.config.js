// Lint runs in `npm test` with --max-warnings 0; type-aware rules catch floating promises on the hot path.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const pipelineKnowsNoPolicy = { regex: '(^|/)policies/', message: 'the pipeline runs the stages it is given: wire a policy in policies/lifecycle.ts' };
const stagesSeeViews = { name: 'node:http', message: 'stages see RequestView and ResponseSink (pipeline/exchange.ts), not Node\'s objects' };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'reports/**', '.stryker-tmp*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // Unit tests beside the policies are outside the build's project: lint them on their own.
        projectService: { allowDefaultProject: ['vitest.config.ts', 'vitest.unit.config.ts', 'packages/gateway/src/*/*.test.ts', 'packages/gateway/src/*/*/*.test.ts'], maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 64 },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The pipeline runs the stages it is given (policies/lifecycle.ts); it never reaches into one.
    files: ['packages/gateway/src/pipeline/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [pipelineKnowsNoPolicy], paths: [stagesSeeViews] }],
    },
  },
  {
    // Stages see the request and response through pipeline/exchange.ts, so they run under any server;
    // only the proxy streams through Node's own objects (undici reads and writes them).
    files: ['packages/gateway/src/policies/**/*.ts', 'packages/gateway/src/operations/**/*.ts'],
    ignores: ['packages/gateway/src/policies/proxy/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [stagesSeeViews] }],
    },
  },
  {
    files: ['packages/gateway/src/pipeline/exchange.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [pipelineKnowsNoPolicy] }],
    },
  },
  {
    // The configuration is data: config/ composes the sections' schemas (each `config-schema.ts`, beside
    // the code it configures) and derives the types; it runs none of the code it configures.
    files: ['packages/gateway/src/config/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./(?!.*/config-schema\\.js$)', allowTypeImports: true, message: 'config/ imports only the sections\' schemas (config-schema.ts files) and types' }] },
      ],
    },
  },
  {
    // The key holders' portal (pages/portal/*.js): plain browser modules, no build step.
    files: ['packages/gateway/pages/portal/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { document: 'readonly', location: 'readonly', navigator: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', btoa: 'readonly' },
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The pages Portier serves (pages/<name>/*.js): plain browser modules, no build step.
    files: ['packages/gateway/pages/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { document: 'readonly', window: 'readonly', sessionStorage: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Node: 'readonly' },
    },
  },
);
