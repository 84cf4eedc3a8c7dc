import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { whatTheTestsLack } from './helpers/test-machine.js';
import { refusingPort, type RefusingPort } from './helpers/ports.js';

/**
 * The check `npm test` runs before anything else (and the vitest global setup again): a machine without
 * the shared Redis, PostgreSQL or redis-server fails the run at once, in one line that names each.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);
const tsx = join(dirname(require.resolve('tsx/package.json')), 'dist', 'cli.mjs');
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

let redisPort: RefusingPort;
let postgresPort: RefusingPort;
/** A PATH with node's folder only: no redis-server on it. */
const bareBin = mkdtempSync(join(tmpdir(), 'portier-no-redis-'));

beforeAll(async () => {
  redisPort = await refusingPort();
  postgresPort = await refusingPort();
});
afterAll(async () => {
  await redisPort.release();
  await postgresPort.release();
  rmSync(bareBin, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output, ms: Date.now() - started }));
  });
}

describe('the test machine check', () => {
  it('test machine: nothing is missing here', async () => {
    expect(await whatTheTestsLack()).toBeUndefined();
  });

  it('test machine: without Redis, PostgreSQL and redis-server, the check exits 1 with one line naming the three', async () => {
    const result = await run([tsx, 'packages/gateway/test/helpers/test-machine.ts'], {
      PORTIER_TEST_REDIS_URL: `redis://127.0.0.1:${redisPort.port}`,
      PORTIER_TEST_POSTGRES_URL: `postgres://postgres@127.0.0.1:${postgresPort.port}/test`,
      PATH: bareBin,
    });
    expect(result.code).toBe(1);
    expect(result.output).toBe(
      `The tests need: Redis at redis://127.0.0.1:${redisPort.port} (or set PORTIER_TEST_REDIS_URL); ` +
        `PostgreSQL at postgres://postgres@127.0.0.1:${postgresPort.port}/test (or set PORTIER_TEST_POSTGRES_URL); ` +
        'redis-server on the PATH (fault tests start private ones). Start or install them, then run the tests again.\n',
    );
  });

  it('test machine: npx vitest run <file> without Redis stops in the global setup with that line alone (no "No test files found", no stack)', async () => {
    const result = await run([vitest, 'run', 'packages/gateway/test/wait-for.test.ts'], { PORTIER_TEST_REDIS_URL: `redis://127.0.0.1:${redisPort.port}` });
    expect(result.code).toBe(1);
    const lines = result.output.split('\n').filter((line) => line.trim() !== '' && !line.includes(' RUN '));
    expect(lines).toEqual([`The tests need: Redis at redis://127.0.0.1:${redisPort.port} (or set PORTIER_TEST_REDIS_URL). Start or install them, then run the tests again.`]);
  });
});
