import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { runCli, startCli } from './helpers/cli.js';
import { json, startUpstream } from './helpers/upstream.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portier-cli-'));
  const file = join(dir, 'portier.yaml');
  writeFileSync(file, text);
  return file;
}

const goodConfig = (upstreamUrl: string, port = 0): string => `server:
  port: ${port}
  shutdownGraceMs: 5000
upstreams:
  app:
    url: ${upstreamUrl}
routes:
  - id: slow
    path: /slow
    upstream: app
`;

describe('portier CLI', () => {
  it('config check: prints OK and exits 0 when the file is valid', async () => {
    const result = await runCli(['config', 'check', writeConfig(goodConfig('http://127.0.0.1:9'))]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: OK\n$/);
  });

  it('config check: lists every problem with its line and exits 2 without a stack trace when the file is wrong', async () => {
    const file = writeConfig('server:\n  port: -1\n  colour: blue\nupstreams: {}\nroutes: []\n');
    const result = await runCli(['config', 'check', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('config_invalid: The configuration file');
    expect(result.stderr).toContain(`${file}:2:9 server.port: must be >= 0`);
    expect(result.stderr).toContain(`${file}:3:3 server.colour: unknown key "colour"`);
    // No upstream is fine: a config whose routes the app answers (`app: true`) has none.
    expect(result.stderr).not.toContain('upstreams');
    expect(result.stderr).toContain('routes: must NOT have fewer than 1 items');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // The command just run is not suggested again; `portier start` does suggest it.
    expect(result.stderr).not.toContain('config check FILE');
    expect((await runCli(['start', '--config', file])).stderr).toContain('config check FILE');
  });

  it('config check: prints problems as JSON with --json', async () => {
    const result = await runCli(['config', 'check', '--json', writeConfig('server: { port: -1 }\nroutes: 3\n')]);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stderr) as { code: string; problems: unknown[] };
    expect(report.code).toBe('config_invalid');
    expect(report.problems.length).toBeGreaterThanOrEqual(2);
  });

  it('start: exits 2 with the problems when the config is invalid', async () => {
    const result = await runCli(['start', '--config', writeConfig('nope: true\n')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown key "nope"');
  });

  it('start: exits 1 with listen_failed when the port is taken', async () => {
    const upstream = await startUpstream((_req, res) => json(res, 200, {}));
    cleanups.push(() => upstream.close());
    const port = Number(new URL(upstream.url).port);
    const result = await runCli(['start', '--config', writeConfig(goodConfig(upstream.url, port))]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('listen_failed: The gateway cannot listen on 127.0.0.1:');
    expect(result.stderr).toContain('already in use');
  });

  it('start: exits 1 with listen_failed naming the admin port when that one is taken', async () => {
    const upstream = await startUpstream((_req, res) => json(res, 200, {}));
    cleanups.push(() => upstream.close());
    const port = Number(new URL(upstream.url).port);
    const admin = `admin:\n  port: ${port}\n  token: ${'t'.repeat(32)}\n`;
    const result = await runCli(['start', '--config', writeConfig(goodConfig(upstream.url) + admin)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`listen_failed: The gateway cannot listen on 127.0.0.1:${port}: the address is already in use`);
  });

  it('start: finishes in-flight requests and exits 0 when sent SIGTERM', async () => {
    let release: () => void = () => undefined;
    const upstream = await startUpstream(
      (_req, res) =>
        new Promise<void>((resolve) => {
          release = () => {
            json(res, 200, { finished: true });
            resolve();
          };
        }),
    );
    cleanups.push(() => upstream.close());
    const running = await startCli(['start', '--config', writeConfig(goodConfig(upstream.url))]);
    cleanups.push(() => void running.child.kill('SIGKILL'));
    const inFlight = request(`${running.url}/slow`);
    await upstream.received(1);
    running.child.kill('SIGTERM');
    // Logged in the same tick as the listener closes.
    await running.printed('"msg":"shutting down"');
    await expect(request(`${running.url}/slow`)).rejects.toThrow();
    release();
    const response = await inFlight;
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ finished: true });
    expect(await running.exited).toBe(0);
    expect(running.output()).toContain('"signal":"SIGTERM"');
  });

  it('docs: prints the error reference', async () => {
    const result = await runCli(['docs', 'errors']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('## 404 not_found: Not found');
  });
});
