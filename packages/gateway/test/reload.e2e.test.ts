import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { runCli, startCli, type RunningCli } from './helpers/cli.js';
import { reservePort } from './helpers/ports.js';
import { waitFor } from './helpers/wait-for.js';

// Live reload over real sockets (docs/operations.md, "Reload"): the real CLI process, its admin API,
// SIGHUP and `--watch`, with keep-alive clients that must see no failed request and no closed
// connection while the config changes under them.

const token = 'reload-test-admin-token-0123456789';
let upstream: Server;
let upstreamUrl: string;
/** Connections the gateway opened to the upstream: a kept pool opens no new ones. */
let upstreamConnections = 0;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const body = JSON.stringify({ path: req.url });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  });
  upstream.keepAliveTimeout = 60_000;
  upstream.on('connection', () => upstreamConnections++);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

interface Shape {
  /** The `day` limit of `/r`. */
  readonly limit: number;
  /** Extra routes, by id (path `/<id>`). */
  readonly extra?: readonly string[];
  readonly port?: number;
  readonly adminPort?: number;
  /** Upstream of the extra routes (default `app`). */
  readonly extraUpstream?: string;
}

function configText(shape: Shape): string {
  return stringify({
    server: { port: shape.port ?? 0 },
    admin: { port: shape.adminPort ?? 0, token },
    upstreams: { app: { url: upstreamUrl, connections: 4 } },
    routes: [
      { id: 'r', path: '/r', upstream: 'app', limits: [{ name: 'daily', limit: shape.limit, per: 'day', algorithm: 'fixed', by: ['ip'] }] },
      ...(shape.extra ?? []).map((id) => ({ id, path: `/${id}`, upstream: shape.extraUpstream ?? 'app' })),
    ],
  });
}

/** The "listening" line of a gateway with an admin API (it names both URLs). */
const listening = /"url":"(http:[^"]+)","adminUrl":"http:[^"]+","msg":"listening"/;

function tempConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'portier-reload-')), 'portier.yaml');
  writeFileSync(file, text);
  return file;
}

function adminUrlOf(portier: RunningCli): string {
  const match = /"adminUrl":"(http:[^"]+)"/.exec(portier.output());
  if (match === null) throw new Error(`no adminUrl in:\n${portier.output()}`);
  return match[1] as string;
}

async function adminReload(portier: RunningCli): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await request(`${adminUrlOf(portier)}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, unknown> };
}

async function statusOf(url: string, dispatcher?: Agent): Promise<number> {
  const answer = await request(url, dispatcher === undefined ? {} : { dispatcher });
  await answer.body.dump();
  return answer.statusCode;
}

/** How many times the gateway logged a line containing `text` so far. */
function countLogged(portier: RunningCli, text: string): number {
  return portier.output().split('\n').filter((line) => line.includes(text)).length;
}

describe('live reload', () => {
  let portier: RunningCli;
  let file: string;
  beforeAll(async () => {
    file = tempConfig(configText({ limit: 1_000_000 }));
    portier = await startCli(['start', '--config', file], {}, listening);
  });
  afterAll(() => {
    portier.child.kill('SIGKILL');
  });

  it('reload: the config changes twice under keep-alive load; no request fails, no connection closes, counts and upstream pools are kept', async () => {
    const clients = 8;
    const total = 3000;
    const agent = new Agent({ connections: clients, pipelining: 1, keepAliveTimeout: 60_000 });
    let opened = 0;
    let closed = 0;
    agent.on('connect', () => opened++);
    agent.on('disconnect', () => closed++);
    const upstreamBefore = upstreamConnections;
    let sent = 0;
    let done = 0;
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const changes: Promise<void>[] = [];
    const changeAt = async (count: number, change: () => Promise<void>): Promise<void> => {
      await waitFor(() => done >= count, { what: `${count} requests answered`, timeoutMs: 60_000, intervalMs: 5 });
      await change();
    };
    // First change, through the admin API: a new route.
    changes.push(
      changeAt(1000, async () => {
        writeFileSync(file, configText({ limit: 1_000_000, extra: ['first'] }));
        const answer = await adminReload(portier);
        expect(answer.status).toBe(200);
        expect(answer.body['reloaded']).toBe(true);
      }),
    );
    // Second change, through SIGHUP: another route, the first one gone.
    changes.push(
      changeAt(2000, async () => {
        const before = countLogged(portier, '"msg":"config reloaded"');
        writeFileSync(file, configText({ limit: 1_000_000, extra: ['second'] }));
        portier.child.kill('SIGHUP');
        await waitFor(() => countLogged(portier, '"msg":"config reloaded"') > before, { what: 'the SIGHUP reload logged', timeoutMs: 20_000 });
      }),
    );
    const worker = async (): Promise<void> => {
      while (sent < total) {
        sent++;
        try {
          const status = await statusOf(`${portier.url}/r`, agent);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
        done++;
      }
    };
    await Promise.all([...Array.from({ length: clients }, worker), ...changes]);
    try {
      expect(failures).toEqual([]);
      expect(Object.fromEntries(statuses)).toEqual({ 200: total });
      expect(opened).toBeLessThanOrEqual(clients);
      expect(closed).toBe(0);
      // The upstream's key and settings did not change: its pool (at most 4 connections) was kept.
      expect(upstreamConnections - upstreamBefore).toBeLessThanOrEqual(4);
      // The second config serves: its route answers, the first config's is gone.
      expect(await statusOf(`${portier.url}/second`, agent)).toBe(200);
      expect(await statusOf(`${portier.url}/first`, agent)).toBe(404);

      // A new limit applies from the next request, on the counts kept across both reloads: `total`
      // requests are counted, so a limit of total + 3 lets exactly 3 more through.
      writeFileSync(file, configText({ limit: total + 3, extra: ['second'] }));
      expect((await adminReload(portier)).status).toBe(200);
      const after = [];
      for (let i = 0; i < 4; i++) after.push(await statusOf(`${portier.url}/r`, agent));
      expect(after).toEqual([200, 200, 200, 429]);
      expect(closed).toBe(0);
    } finally {
      await agent.close();
    }
  }, 120_000);

  it('reload: a broken file is refused with every problem (line and path) and the running config keeps serving', async () => {
    // A running config of this test's own, whatever the others left.
    writeFileSync(file, configText({ limit: 1_000_000, extra: ['kept'] }));
    expect((await adminReload(portier)).status).toBe(200);
    const before = countLogged(portier, 'config reload refused');
    writeFileSync(file, `${configText({ limit: 10, extra: ['third'], extraUpstream: 'nowhere' })}bogus: true\n`);
    const answer = await adminReload(portier);
    expect(answer.status).toBe(422);
    expect(answer.body['reloaded']).toBe(false);
    expect(answer.body['code']).toBe('config_invalid');
    const problems = answer.body['problems'] as { path: string; line: number; message: string }[];
    expect(problems.map((problem) => problem.path).sort()).toEqual(['bogus', 'routes[1].upstream']);
    for (const problem of problems) expect(problem.line).toBeGreaterThan(0);
    // The same problems, logged.
    await waitFor(() => countLogged(portier, 'config reload refused') > before, { what: 'the refusal logged' });
    // Still the old config: its route serves, the broken file's does not exist.
    expect(await statusOf(`${portier.url}/kept`)).toBe(200);
    expect(await statusOf(`${portier.url}/third`)).toBe(404);

    // SIGHUP on the broken file: refused and logged, nothing changes.
    const logged = countLogged(portier, 'config reload refused');
    portier.child.kill('SIGHUP');
    await waitFor(() => countLogged(portier, 'config reload refused') > logged, { what: 'the SIGHUP refusal logged' });
    expect(await statusOf(`${portier.url}/kept`)).toBe(200);
  });

  it('reload: a setting that needs a restart (the listener port) is refused whole, not half-applied', async () => {
    writeFileSync(file, configText({ limit: 1_000_000, extra: ['second', 'fourth'], port: 1 }));
    const answer = await adminReload(portier);
    expect(answer.status).toBe(422);
    const problems = answer.body['problems'] as { path: string; line: number; message: string }[];
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('server.port');
    expect(problems[0]?.line).toBeGreaterThan(0);
    expect(problems[0]?.message).toContain('restart');
    // The route the same file adds was not applied either.
    expect(await statusOf(`${portier.url}/fourth`)).toBe(404);
  });
});

describe('in-flight requests across a reload', () => {
  it('reload: a request under way finishes on the old config and its upstream pool; the next one gets the new upstream; the old pool closes once idle', async () => {
    // Two upstreams: `old` holds its requests until released, `new` answers at once.
    const held: (() => void)[] = [];
    let oldOpen = 0;
    const serverOf = (name: string, hold: boolean): Server => {
      const server = createServer((req, res) => {
        const answer = (): void => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ server: name }));
        };
        if (hold) held.push(answer);
        else answer();
      });
      return server;
    };
    const oldServer = serverOf('old', true);
    oldServer.on('connection', (socket) => {
      oldOpen++;
      socket.on('close', () => oldOpen--);
    });
    const newServer = serverOf('new', false);
    const urlOf = async (server: Server): Promise<string> => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    const [oldUrl, newUrl] = [await urlOf(oldServer), await urlOf(newServer)];
    const text = (url: string): string =>
      stringify({ server: { port: 0 }, admin: { port: 0, token }, upstreams: { slow: { url } }, routes: [{ id: 'hold', path: '/hold', upstream: 'slow' }] });
    const file = tempConfig(text(oldUrl));
    const portier = await startCli(['start', '--config', file], {}, listening);
    const agent = new Agent({ connections: 2, keepAliveTimeout: 60_000 });
    let closed = 0;
    agent.on('disconnect', () => closed++);
    try {
      const inFlight = request(`${portier.url}/hold`, { dispatcher: agent });
      await waitFor(() => held.length, { what: 'the first request held at the old upstream', until: (count) => count === 1 });
      writeFileSync(file, text(newUrl));
      expect((await adminReload(portier)).status).toBe(200);
      // The next request: the new config, the new upstream.
      const next = await request(`${portier.url}/hold`, { dispatcher: agent });
      expect(await next.body.json()).toEqual({ server: 'new' });
      // The one under way: released now, answered through the old config's pool, still open.
      held[0]?.();
      const first = await inFlight;
      expect(first.statusCode).toBe(200);
      expect(await first.body.json()).toEqual({ server: 'old' });
      // Its last request done, the old upstream's pool closes its connections.
      await waitFor(() => oldOpen, { what: 'the old upstream pool closed', until: (open) => open === 0 });
      expect(closed).toBe(0);
    } finally {
      await agent.close();
      portier.child.kill('SIGKILL');
      for (const server of [oldServer, newServer]) {
        server.closeAllConnections();
        server.close();
      }
    }
  }, 60_000);
});

describe('portier reload and start --watch', () => {
  it('reload: --watch applies a saved file; `portier reload` asks the admin API and reports a refusal as config check does', async () => {
    const reserved = await reservePort();
    const adminPort = reserved.port;
    await reserved.release();
    const file = tempConfig(configText({ limit: 1_000_000, adminPort }));
    const portier = await startCli(['start', '--watch', '--config', file], {}, listening);
    try {
      expect(await statusOf(`${portier.url}/watched`)).toBe(404);
      writeFileSync(file, configText({ limit: 1_000_000, adminPort, extra: ['watched'] }));
      await waitFor(() => statusOf(`${portier.url}/watched`), { what: '/watched served after the file changed', until: (status) => status === 200, timeoutMs: 10_000 });

      const good = await runCli(['reload', '--config', file]);
      expect(good.stderr).toBe('');
      expect(good.code).toBe(0);
      expect(good.stdout).toContain('reloaded');

      // Valid on its own, refused by the running gateway: the admin listener cannot move.
      writeFileSync(file, configText({ limit: 1_000_000, adminPort, extra: ['watched'], port: 1 }));
      const refused = await runCli(['reload', '--config', file]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('config_invalid');
      expect(refused.stderr).toMatch(/portier\.yaml:\d+:\d+ server\.port: cannot change while the gateway runs/);
      expect(await statusOf(`${portier.url}/watched`)).toBe(200);
    } finally {
      portier.child.kill('SIGKILL');
    }
  }, 60_000);
});
