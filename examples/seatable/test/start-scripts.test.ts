import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run example:<api>` on a port that is taken (the demo of `npm start` still on 8080): the same
 * `listen_failed` line and hints as `portier start`, exit 1, no stack trace.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist', 'cli.mjs');

let taken: Server;
let port: number;
beforeAll(async () => {
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => taken.close(() => resolve()));
});

function start(api: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsx, `examples/${api}/start.ts`], { cwd: root, env: { ...process.env, PORT: String(port) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the examples\' start scripts', () => {
  for (const api of ['seatable', 'codat', 'braze']) {
    it(`example:${api}: a taken port is listen_failed with its hints, exit 1, no stack`, async () => {
      const result = await start(api);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe(`listen_failed: The gateway cannot listen on 127.0.0.1:${port}: the address is already in use.`);
      expect(lines.slice(1).every((line) => line.startsWith('hint: '))).toBe(true);
      expect(lines.length).toBeGreaterThan(1);
    });
  }
});
