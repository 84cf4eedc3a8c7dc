import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type SeenRequest, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { runCli } from './helpers/cli.js';
import { parseConfig } from '../src/config-loader/load-config.js';
import { formatConfigProblem } from '../src/config/config-problem.js';

/** The operation queue keeps requests for days: no credential or cookie in it unless a route opts in. */
let upstream: TestUpstream;
let portier: TestGateway;
let secret: string;

const config = {
  auth: { instance: 'eu1', schemes: ['bearer', 'header'], header: 'X-Access-Key', forwardCredentials: true, store: { sqlitePath: tempDbPath() } },
  plans: { free: {} },
  operations: { path: '/ops', retry: { baseDelayMs: 20, maxDelayMs: 100 } },
  upstreams: { app: { url: 'http://127.0.0.1:1' } },
  routes: [
    { id: 'export', path: '/export', methods: ['POST'], upstream: 'app', auth: {}, async: {} },
    { id: 'export-forwarding', path: '/export-forwarding', methods: ['POST'], upstream: 'app', auth: {}, async: { forwardCredentials: true } },
  ],
};

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 201, { ok: true }));
  const withUpstream = { ...config, upstreams: { app: { url: upstream.url } } };
  portier = await startGateway(withUpstream);
  const admin = adminOf(portier, withUpstream);
  const account = await admin.createAccount('a', 'free');
  secret = (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

const credentialNames = ['authorization', 'x-access-key', 'cookie', 'proxy-authorization'];

async function queue(path: string, headers: Record<string, string>): Promise<string> {
  const accepted = await request(`${portier.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: 'session=browser-secret', 'proxy-authorization': 'Basic cHJveHk6c2VjcmV0', ...headers },
    body: '{}',
  });
  expect(accepted.statusCode).toBe(202);
  return ((await accepted.body.json()) as { id: string }).id;
}

async function storedHeaderNames(id: string): Promise<string[]> {
  const operation = await portier.gateway.operations?.store.get(id);
  if (operation === undefined) throw new Error(`operation ${id} not stored`);
  return operation.headers.filter((_, index) => index % 2 === 0);
}

/** Waits until the worker has forwarded the operation, and returns what the upstream saw. */
async function forwarded(id: string): Promise<Record<string, unknown>> {
  const forId = (item: SeenRequest): boolean => item.headers['idempotency-key'] === id;
  await upstream.received(1, forId);
  return (upstream.seen.find(forId) as SeenRequest).headers;
}

describe('queued operations and credentials', () => {
  it('operations: the queue holds no Authorization, key header, Cookie or Proxy-Authorization, even with auth.forwardCredentials', async () => {
    for (const headers of [{ authorization: `Bearer ${secret}` }, { 'x-access-key': secret }]) {
      const id = await queue('/export', headers);
      const names = await storedHeaderNames(id);
      for (const name of credentialNames) expect(names).not.toContain(name);
      const seen = await forwarded(id);
      for (const name of credentialNames) expect(seen[name]).toBeUndefined();
      expect(seen['x-portier-key-id']).toBeDefined();
      expect(JSON.stringify(await portier.gateway.operations?.store.get(id))).not.toContain(secret);
    }
  });

  it('operations: a route with async.forwardCredentials queues the caller\'s key and cookie and the worker forwards them', async () => {
    const id = await queue('/export-forwarding', { authorization: `Bearer ${secret}` });
    const names = await storedHeaderNames(id);
    expect(names).toContain('authorization');
    expect(names).toContain('cookie');
    const seen = await forwarded(id);
    expect(seen['authorization']).toBe(`Bearer ${secret}`);
    expect(seen['cookie']).toBe('session=browser-secret');
  });

  it('config check: warns about async.forwardCredentials on stderr and still succeeds', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'portier-warn-')), 'portier.yaml');
    writeFileSync(file, stringify(config));
    const checked = await runCli(['config', 'check', file]);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toBe(`${file}: OK\n`);
    expect(checked.stderr).toBe(
      `warning: ${file} routes[1].async.forwardCredentials: route "export-forwarding" queues its callers' credentials and cookies: they stay in the operation queue in plain text for 7d (operations.retention)\n`,
    );
    const quiet = { ...config, routes: config.routes.slice(0, 1) };
    writeFileSync(file, stringify(quiet));
    expect((await runCli(['config', 'check', file])).stderr).toBe('');
  });

  it('config: refuses idempotency on a route whose key is optional, with the reason', () => {
    const text = stringify({
      auth: { instance: 'eu1', store: { sqlitePath: '/tmp/unused.db' } },
      upstreams: { app: { url: 'http://127.0.0.1:1' } },
      routes: [
        { id: 'pay', path: '/pay', methods: ['POST'], upstream: 'app', auth: { required: false }, idempotency: {} },
        { id: 'paid', path: '/paid', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} },
      ],
    });
    const result = parseConfig(text, 'portier.yaml', {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatConfigProblem)).toEqual([
      'portier.yaml:16:18 routes[0].idempotency: idempotency needs route `auth` with a required key: records are kept per account, and without one every client behind the same address (a load balancer) would share them',
    ]);
  });
});
