import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * Runs once before any test file: brings `dist/` up to date with the sources (an incremental `tsc -b`,
 * a few seconds when nothing changed). The CLI tests and the examples run the built gateway, so a
 * single `npx vitest run <file>` after an edit would otherwise test yesterday's code.
 */
export default function buildFresh(): void {
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const build = spawnSync(process.execPath, [tsc, '-b', 'packages/gateway', 'packages/client'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) {
    const line = `The tests run the built gateway, and the build failed:\n${build.stdout}${build.stderr}`;
    const error = new Error(line);
    error.stack = line;
    throw error;
  }
}
