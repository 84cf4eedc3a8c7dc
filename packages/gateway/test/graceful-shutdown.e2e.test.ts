import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { startCli, type RunningCli } from './helpers/cli.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';

// SIGTERM on the real process (README "Shutdown"): stop accepting, answer what is in flight with
// `Connection: close`, and exit once `server.shutdownGraceMs` has passed even if the upstream still holds
// a request. Every step waits on an event (a request reaching the upstream, the process exiting).

let upstream: TestUpstream;
/** Requests the upstream holds, by path, until the test answers them. */
const held = new Map<string, () => void>();
const arrivals: ((path: string) => void)[] = [];

beforeAll(async () => {
  upstream = await startUpstream(async (req, res) => {
    const path = req.url ?? '';
    if (path.startsWith('/hold/')) {
      await new Promise<void>((resolve) => {
        held.set(path, resolve);
        for (const notify of arrivals.splice(0)) notify(path);
      });
    }
    json(res, 200, { path });
  });
});
afterAll(async () => {
  for (const release of held.values()) release();
  await upstream.close();
});

/** Resolves once the upstream holds every one of `paths`. */
function heldAll(paths: string[]): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (paths.every((path) => held.has(path))) resolve();
      else arrivals.push(check);
    };
    check();
  });
}

function startPortier(graceMs: number): Promise<RunningCli> {
  const dir = mkdtempSync(join(tmpdir(), 'portier-shutdown-'));
  const file = join(dir, 'portier.yaml');
  writeFileSync(
    file,
    stringify({
      server: { port: 0, shutdownGraceMs: graceMs },
      upstreams: { app: { url: upstream.url } },
      routes: [
        { id: 'hold', path: '/hold/:name', upstream: 'app' },
        { id: 'ping', path: '/ping', upstream: 'app' },
      ],
    }),
  );
  return startCli(['start', '--config', file]);
}

describe('graceful shutdown', () => {
  it('shutdown: answers an in-flight request with Connection: close after SIGTERM, then exits', async () => {
    const portier = await startPortier(10_000);
    const agent = new Agent({ connections: 1, pipelining: 0 });
    try {
      const inFlight = request(`${portier.url}/hold/first`, { dispatcher: agent });
      await heldAll(['/hold/first']);
      portier.child.kill('SIGTERM');
      // New connections are refused once the gateway drains (the listener closes on SIGTERM).
      await expect(waitForRefusal(portier.url)).resolves.toBe(true);
      held.get('/hold/first')?.();
      const answer = await inFlight;
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['connection']).toBe('close');
      expect(await answer.body.json()).toEqual({ path: '/hold/first' });
      expect(await portier.exited).toBe(0);
    } finally {
      await agent.close();
      portier.child.kill('SIGKILL');
    }
  });

  it('shutdown: exits at the grace deadline while the upstream still holds a request', async () => {
    const portier = await startPortier(300);
    try {
      const stuck = request(`${portier.url}/hold/stuck`).then(
        (answer) => ({ status: answer.statusCode }),
        (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
      );
      await heldAll(['/hold/stuck']);
      portier.child.kill('SIGTERM');
      // The upstream never answers this one: only the grace deadline can end the process.
      expect(await portier.exited).toBe(0);
      expect(held.has('/hold/stuck')).toBe(true);
      // The client is not left hanging: its connection was closed with the process.
      expect(await stuck).toHaveProperty('error');
    } finally {
      held.get('/hold/stuck')?.();
      portier.child.kill('SIGKILL');
    }
  });
});

/** Whether a fresh connection is refused, retried briefly while SIGTERM reaches the process. */
async function waitForRefusal(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const agent = new Agent({ connections: 1 });
    try {
      const answer = await request(`${url}/ping`, { dispatcher: agent });
      await answer.body.dump();
    } catch (error) {
      if ((error as { code?: string }).code === 'ECONNREFUSED') return true;
    } finally {
      await agent.destroy();
    }
  }
  return false;
}
