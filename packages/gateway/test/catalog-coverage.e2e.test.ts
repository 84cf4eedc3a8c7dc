import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { catalog, catalogEntry, errorCodes, type ErrorCode } from '../src/errors/catalog.js';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type SeenRequest, type TestUpstream } from './helpers/upstream.js';
import { refusingPort, type RefusingPort } from './helpers/ports.js';
import { waitFor } from './helpers/wait-for.js';
import { sendRaw } from './helpers/raw-http.js';
import { runCli } from './helpers/cli.js';
import { stringify } from 'yaml';
import { generateKey } from '../src/accounts/keys/key-format.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Pins the catalog: every code is produced here through a real server (or the real CLI for codes that
 * never travel over HTTP). The table is typed by ErrorCode, so a new code without a scenario does not
 * even compile.
 */

interface Observed {
  readonly status: number;
  readonly code: string;
}

let upstream: TestUpstream;
let portier: TestGateway;
let brokenPortier: TestGateway;
let clockFails = false;
let noRedisPortier: TestGateway;
let noPostgresPortier: TestGateway;
let busyPortier: TestGateway;
/** Accepts connections and never answers: a PostgreSQL whose lookups hang until connectTimeoutMs. */
let silentServer: Server;
const silentSockets: Socket[] = [];
let keyed: TestGateway;
let keyedConfigFile: string;
const keys: Record<string, string> = {};
const keyedClock = new ManualClock();
/** Refuses connections: an upstream, Redis or PostgreSQL that is not there. */
let closedPort: RefusingPort;

async function viaHttp(path: string, init: Parameters<typeof request>[1] = {}): Promise<Observed> {
  const response = await request(`${portier.url}${path}`, init);
  const body = (await response.body.json()) as { code: string; correlationId: string };
  expect(body.correlationId).toBe(response.headers['x-correlation-id']);
  return { status: response.statusCode, code: body.code };
}

async function viaKeyed(path: string, authorization: string | undefined, method: 'GET' | 'POST' = 'GET'): Promise<Observed> {
  const response = await request(`${keyed.url}${path}`, { method, headers: authorization === undefined ? {} : { authorization } });
  const body = (await response.body.json()) as { code: string; correlationId: string };
  expect(body.correlationId).toBe(response.headers['x-correlation-id']);
  return { status: response.statusCode, code: body.code };
}

/**
 * A deployment of its own with the keys API and the portal, for the codes only a key holder's key
 * changes and portal reads give: `run` makes the request with a fresh account's keys.
 */
async function viaPortalDeployment(
  run: (url: string, keys: { short: string; forever: string; foreverId: string }) => Promise<{ path: string; method: 'GET' | 'POST'; credential: string }>,
): Promise<Observed> {
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() }, accessTokens: { path: '/token', secret: 'p'.repeat(32) }, keysApi: { path: '/keys' } },
    portal: { path: '/portal' },
    plans: { free: {} },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'ok', path: '/ok', upstream: 'app' }],
  };
  const deployment = await startGateway(config);
  try {
    const admin = adminOf(deployment, config);
    const account = await admin.createAccount('portal', 'free');
    const short = await admin.createKey({ accountId: account.id, name: 'short', expiresAt: Date.now() + 3_600_000 });
    const forever = await admin.createKey({ accountId: account.id, name: 'forever' });
    const { path, method, credential } = await run(deployment.url, { short: short.secret, forever: forever.secret, foreverId: forever.key.id });
    const response = await request(`${deployment.url}${path}`, { method, headers: { authorization: `Bearer ${credential}` } });
    const body = (await response.body.json()) as { code: string; correlationId: string };
    expect(body.correlationId).toBe(response.headers['x-correlation-id']);
    return { status: response.statusCode, code: body.code };
  } finally {
    await deployment.close();
  }
}

/** Runs an admin CLI command against the keyed deployment; returns the catalog code it failed with. */
async function viaCli(args: string[]): Promise<Observed> {
  const result = await runCli([...args, '--config', keyedConfigFile, '--json']);
  expect(result.code).toBe(1);
  const failure = JSON.parse(result.stderr) as { code: string; status: number };
  return { status: failure.status, code: failure.code };
}

const bearer = (name: string): string => `Bearer ${keys[name] ?? ''}`;

/** A request with the 'good' key to the keyed deployment, with any method, headers and body. */
async function viaGood(path: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}): Promise<Observed> {
  const response = await request(`${keyed.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: bearer('good'), ...init.headers }, body: init.body ?? null });
  const body = (await response.body.json()) as { code: string; correlationId: string };
  expect(body.correlationId).toBe(response.headers['x-correlation-id']);
  return { status: response.statusCode, code: body.code };
}

/** Queues an operation on the keyed deployment; returns its Location. */
async function queueOperation(path: string): Promise<string> {
  const response = await request(`${keyed.url}${path}`, { method: 'POST', headers: { authorization: bearer('good') }, body: '{}' });
  await response.body.dump();
  expect(response.statusCode).toBe(202);
  return String(response.headers['location']);
}

async function viaRaw(payload: string): Promise<Observed> {
  const response = await sendRaw(portier.url, payload);
  return { status: response.status, code: (JSON.parse(response.body) as { code: string }).code };
}

function tempConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'portier-cov-')), 'portier.yaml');
  writeFileSync(file, text);
  return file;
}

const scenarios: Record<ErrorCode, () => Promise<Observed>> = {
  not_found: () => viaHttp('/no/such/route'),
  method_not_allowed: () => viaHttp('/ok', { method: 'DELETE' }),
  bad_request: () => viaRaw('GET /ok HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n'),
  payload_too_large: () => viaHttp('/small', { method: 'POST', body: 'x'.repeat(200) }),
  invalid_json: () => viaHttp('/validated', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": }' }),
  unsupported_media_type: () => viaHttp('/validated', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }),
  validation_failed: () => viaHttp('/validated', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": 42}' }),
  header_fields_too_large: () => viaRaw(`GET /ok HTTP/1.1\r\nHost: a\r\nX-Big: ${'b'.repeat(5000)}\r\n\r\n`),
  request_timeout: () => viaRaw('GET /ok HTTP/1.1\r\nHost: a\r\n'),
  invalid_request_target: () => viaRaw('GET /ok/..%2fsecret HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'),
  expectation_failed: () => viaRaw('GET /ok HTTP/1.1\r\nHost: a\r\nExpect: foo\r\nConnection: close\r\n\r\n'),
  connect_not_supported: () => viaRaw('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'),
  maintenance: () => viaHttp('/down'),
  rate_limiter_unavailable: async () => {
    const response = await request(`${noRedisPortier.url}/x`);
    return { status: response.statusCode, code: ((await response.body.json()) as { code: string }).code };
  },
  not_ready: async () => {
    // The rate-limit Redis is not there: the gateway lives (`/healthz`) but is not ready.
    const response = await request(`${noRedisPortier.url}/readyz`);
    const body = (await response.body.json()) as { code: string; detail: string; correlationId: string };
    expect(body.detail).toContain('rateLimits');
    expect(body.correlationId).toBe(response.headers['x-correlation-id']);
    return { status: response.statusCode, code: body.code };
  },
  account_store_unavailable: async () => {
    const response = await request(`${noPostgresPortier.url}/x`, { headers: { authorization: `Bearer ${generateKey({ instance: 'eu1', environment: 'live' }).secret}` } });
    expect(response.headers['retry-after']).toBe('5');
    return { status: response.statusCode, code: ((await response.body.json()) as { code: string }).code };
  },
  account_store_busy: async () => {
    // One store lookup at a time, on a store that never answers: of five unknown keys at once, one
    // lookup runs (and ends 503 account_store_unavailable after connectTimeoutMs), the others are refused.
    const answers = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const response = await request(`${busyPortier.url}/x`, { headers: { authorization: `Bearer ${generateKey({ instance: 'eu1', environment: 'live' }).secret}` } });
        const body = (await response.body.json()) as { code: string };
        return { status: response.statusCode, code: body.code, retryAfter: response.headers['retry-after'] };
      }),
    );
    const busy = answers.filter((answer) => answer.code === 'account_store_busy');
    expect(busy).toHaveLength(4);
    expect(busy[0]?.retryAfter).toBe('1');
    return busy[0] as Observed;
  },
  rate_limited: async () => {
    await (await request(`${portier.url}/limited`)).body.dump();
    return viaHttp('/limited');
  },
  service_unavailable: () => viaHttp('/unavailable'),
  bad_gateway: () => viaHttp('/refused'),
  gateway_timeout: () => viaHttp('/hang'),
  upstream_circuit_open: async () => {
    // The 'tripping' upstream's breaker opens after one failure: the second call is refused at once.
    const first = await viaHttp('/tripping');
    expect(first.code).toBe('bad_gateway');
    return viaHttp('/tripping');
  },
  upstream_client_error: () => viaHttp('/missing'),
  upstream_server_error: () => viaHttp('/crash'),
  internal_error: async () => {
    clockFails = true;
    try {
      const response = await request(`${brokenPortier.url}/x`);
      return { status: response.statusCode, code: ((await response.body.json()) as { code: string }).code };
    } finally {
      clockFails = false;
    }
  },
  authentication_required: () => viaKeyed('/v1/bases/b1/rows', undefined),
  credentials_malformed: () => viaKeyed('/v1/bases/b1/rows', `Bearer "${keys['good'] ?? ''}"`),
  invalid_token: () => viaKeyed('/v1/bases/b1/rows', `Bearer ${generateKey({ instance: 'eu1', environment: 'live' }).secret}`),
  wrong_instance: () => viaKeyed('/v1/bases/b1/rows', `Bearer ${generateKey({ instance: 'us1', environment: 'live' }).secret}`),
  key_expired: () => viaKeyed('/v1/bases/b1/rows', bearer('expired')),
  access_token_expired: async () => {
    const exchanged = await request(`${keyed.url}/v1/token`, { headers: { authorization: bearer('bound') } });
    const { access_token: token } = (await exchanged.body.json()) as { access_token: string };
    keyedClock.advance(3_600_000);
    return viaKeyed('/v1/bases/b1/rows', `Bearer ${token}`);
  },
  key_revoked: () => viaKeyed('/v1/bases/b1/rows', bearer('revoked')),
  key_obsolete: () => viaKeyed('/v1/bases/b1/rows', bearer('rotated')),
  key_not_bound: () => viaKeyed('/v1/bases/b2/rows', bearer('bound')),
  access_denied: () => viaKeyed('/v1/bases/b1/rows', bearer('noScope')),
  account_disabled: () => viaKeyed('/v1/bases/b1/rows', bearer('disabled')),
  plan_excludes_route: () => viaKeyed('/v1/sync/hourly', bearer('limited'), 'POST'),
  trial_expired: () => viaKeyed('/v1/bases/b1/rows', bearer('trial')),
  feature_not_in_plan: () => viaKeyed('/v1/sync/hourly', bearer('good'), 'POST'),
  entity_limit_reached: () => viaKeyed('/v1/companies', bearer('good'), 'POST'),
  key_limit_reached: () => viaCli(['keys', 'create', '--account', keys['fullAccount'] ?? '', '--name', 'one too many']),
  idempotency_key_required: () => viaGood('/v1/payments', { method: 'POST', body: '{}' }),
  idempotency_key_invalid: () => viaGood('/v1/payments', { method: 'POST', headers: { 'idempotency-key': '"unterminated' }, body: '{}' }),
  idempotency_key_mismatch: async () => {
    const headers = { 'idempotency-key': '"coverage-mismatch"' };
    expect((await request(`${keyed.url}/v1/payments`, { method: 'POST', headers: { authorization: bearer('good'), ...headers }, body: '{"a":1}' })).statusCode).toBe(200);
    return viaGood('/v1/payments', { method: 'POST', headers, body: '{"a":2}' });
  },
  idempotency_request_in_flight: async () => {
    const headers = { authorization: bearer('good'), 'idempotency-key': '"coverage-in-flight"' };
    // The first request hangs at the upstream; it ends when the gateway shuts down.
    const inFlight = (seen: SeenRequest): boolean => seen.url === '/hang/payments' && seen.headers['idempotency-key'] === headers['idempotency-key'];
    const arrived = upstream.seen.filter(inFlight).length;
    void request(`${keyed.url}/hang/payments`, { method: 'POST', headers, body: '{}' }).catch(() => undefined);
    await upstream.received(arrived + 1, inFlight);
    return viaGood('/hang/payments', { method: 'POST', headers: { 'idempotency-key': '"coverage-in-flight"' }, body: '{}' });
  },
  operation_not_found: () => viaGood('/operations/no-such-operation'),
  resource_not_ready: async () => viaGood(`${await queueOperation('/hang/jobs')}/result`),
  operation_timed_out: async () => {
    const location = await queueOperation('/unavailable/jobs');
    // Past the 1 s deadline on the gateway's clock: the next attempt is not sent, the operation times out.
    keyedClock.advance(2000);
    return waitFor(() => viaGood(`${location}/result`), { what: 'the operation past its deadline to time out', until: (observed) => observed.code !== 'resource_not_ready' });
  },
  operation_queue_full: async () => {
    // A deployment of its own, so no other scenario's waiting operations count: maxPending 1 holds one
    // hanging operation, the next is refused.
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      operations: { maxPending: 1 },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'hang-jobs', path: '/hang/jobs', methods: ['POST'], upstream: 'app', auth: {}, async: {} }],
    };
    const full = await startGateway(config);
    try {
      const admin = adminOf(full, config);
      const account = await admin.createAccount('queue', 'free');
      const authorization = `Bearer ${(await admin.createKey({ accountId: account.id, name: 'queue' })).secret}`;
      const post = () => request(`${full.url}/hang/jobs`, { method: 'POST', headers: { authorization }, body: '{}' });
      const accepted = await post();
      await accepted.body.dump();
      expect(accepted.statusCode).toBe(202);
      const refused = await post();
      const body = (await refused.body.json()) as { code: string; correlationId: string };
      expect(body.correlationId).toBe(refused.headers['x-correlation-id']);
      return { status: refused.statusCode, code: body.code };
    } finally {
      await full.close();
    }
  },
  account_not_found: () => viaCli(['accounts', 'show', 'acc_does_not_exist']),
  key_not_found: () => viaCli(['keys', 'revoke', 'NoSuchKy']),
  key_rotation_refused: () =>
    // A key that ends in an hour asks for the secret of one that never ends.
    viaPortalDeployment((_url, keys) => Promise.resolve({ path: `/keys/${keys.foreverId}/rotate`, method: 'POST', credential: keys.short })),
  error_record_not_found: () =>
    viaPortalDeployment(async (url, keys) => {
      const session = await request(`${url}/portal/api/session`, { headers: { authorization: `Bearer ${keys.forever}` } });
      const { token } = (await session.body.json()) as { token: string };
      return { path: '/portal/api/errors?correlationId=not-one-of-yours', method: 'GET', credential: token };
    }),
  plan_not_found: () => viaCli(['accounts', 'create', '--name', 'x', '--plan', 'platinum']),
  config_invalid: async () => {
    const result = await runCli(['config', 'check', '--json', tempConfig('routes: []\n')]);
    expect(result.code).toBe(2);
    return { status: catalog.config_invalid.status, code: (JSON.parse(result.stderr) as { code: string }).code };
  },
  listen_failed: async () => {
    const port = new URL(upstream.url).port;
    const file = tempConfig(`server: { port: ${port} }\nupstreams: { app: { url: "${upstream.url}" } }\nroutes: [{ id: a, path: /a, upstream: app }]\n`);
    const result = await runCli(['start', '--config', file]);
    expect(result.code).toBe(1);
    return { status: catalog.listen_failed.status, code: /^(\w+):/.exec(result.stderr)?.[1] ?? '' };
  },
};

beforeAll(async () => {
  closedPort = await refusingPort();
  upstream = await startUpstream((req, res) => {
    if (req.url?.startsWith('/unavailable') === true) return json(res, 503, { message: 'busy' });
    if (req.url === '/missing') return json(res, 404, { message: 'Row not found' });
    if (req.url === '/crash') return json(res, 500, { message: 'boom' });
    if (req.url?.startsWith('/hang') === true) return undefined;
    return json(res, 200, { ok: true });
  });
  portier = await startGateway({
    server: { maxHeaderBytes: 2048, headersTimeoutMs: 300, requestTimeoutMs: 600 },
    upstreams: {
      app: { url: upstream.url, errors: 'normalize', responseTimeoutMs: 300 },
      refused: { url: `http://127.0.0.1:${closedPort.port}`, connectTimeoutMs: 1000 },
      tripping: { url: `http://127.0.0.1:${closedPort.port}`, connectTimeoutMs: 1000, circuitBreaker: { failureThreshold: 1, openMs: 600_000 } },
    },
    routes: [
      { id: 'ok', path: '/ok', upstream: 'app' },
      { id: 'small', path: '/small', methods: ['POST'], upstream: 'app', maxBodyBytes: 100 },
      {
        id: 'validated',
        path: '/validated',
        methods: ['POST'],
        upstream: 'app',
        validation: { body: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
      },
      { id: 'down', path: '/down', upstream: 'app', maintenance: { enabled: true } },
      { id: 'limited', path: '/limited', upstream: 'app', limits: [{ name: 'once', limit: 1, per: 'hour', by: ['ip'] }] },
      { id: 'unavailable', path: '/unavailable', upstream: 'app' },
      { id: 'refused', path: '/refused', upstream: 'refused' },
      { id: 'tripping', path: '/tripping', upstream: 'tripping' },
      { id: 'hang', path: '/hang', upstream: 'app' },
      { id: 'missing', path: '/missing', upstream: 'app' },
      { id: 'crash', path: '/crash', upstream: 'app' },
    ],
  });
  await startKeyedGateway();
  noRedisPortier = await startGateway({
    rateLimits: { redis: { url: `redis://127.0.0.1:${closedPort.port}/0`, timeoutMs: 50 } },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'x', path: '/x', upstream: 'app', limits: [{ name: 'm', limit: 10, per: 'minute', by: ['ip'], whenStoreDown: 'closed' }] }],
  });
  noPostgresPortier = await startGateway({
    auth: { instance: 'eu1', store: { postgres: { url: `postgres://portier@127.0.0.1:${closedPort.port}/portier`, connectTimeoutMs: 500 } } },
    plans: { free: {} },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'x', path: '/x', upstream: 'app', auth: {} }],
  });
  silentServer = createServer((socket) => void silentSockets.push(socket));
  await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
  busyPortier = await startGateway({
    auth: {
      instance: 'eu1',
      keyCache: { maxConcurrentLookups: 1 },
      store: { postgres: { url: `postgres://portier@127.0.0.1:${(silentServer.address() as AddressInfo).port}/portier`, connectTimeoutMs: 1000 } },
    },
    plans: { free: {} },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'x', path: '/x', upstream: 'app', auth: {} }],
  });
  brokenPortier = await startGateway(
    {
      upstreams: { app: { url: `http://127.0.0.1:${closedPort.port}`, circuitBreaker: { failureThreshold: 1 } } },
      routes: [{ id: 'x', path: '/x', upstream: 'app' }],
    },
    {
      // Fails only while the internal_error request runs: the gateway's own timers (the counter sweep
      // every 10 s) read the clock too, and would throw outside any request when this file runs long.
      clock: {
        now() {
          if (clockFails) throw new Error('injected fault');
          return Date.now();
        },
      },
    },
  );
});
async function startKeyedGateway(): Promise<void> {
  const config = {
    auth: {
      instance: 'eu1',
      instances: { us1: 'https://us1.api.example.com' },
      maxKeysPerAccount: 1,
      rotationGraceSeconds: 0,
      accessTokens: { path: '/v1/token', secret: 'coverage-signing-secret-0123456789abcdef', ttlSeconds: 3600 },
      store: { sqlitePath: tempDbPath() },
    },
    plans: { free: { entities: { companies: 0 } }, trial: { trialDays: 1 }, limited: { routes: ['rows'] } },
    operations: { maxPending: 2, retry: { baseDelayMs: 10, maxDelayMs: 20 } },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'payments', path: '/v1/payments', methods: ['POST'], upstream: 'app', auth: {}, idempotency: { required: true } },
      { id: 'hang-payments', path: '/hang/payments', methods: ['POST'], upstream: 'app', auth: {}, idempotency: {} },
      { id: 'hang-jobs', path: '/hang/jobs', methods: ['POST'], upstream: 'app', auth: {}, async: {} },
      { id: 'failing-jobs', path: '/unavailable/jobs', methods: ['POST'], upstream: 'app', auth: {}, async: { deadline: '1s' } },
      { id: 'rows', path: '/v1/bases/:base/rows', upstream: 'app', auth: { scopes: ['rows:read'], bindTo: 'base' } },
      { id: 'hourly', path: '/v1/sync/hourly', methods: ['POST'], upstream: 'app', auth: { feature: 'hourly' } },
      { id: 'companies', path: '/v1/companies', methods: ['POST'], upstream: 'app', auth: { entity: { name: 'companies', action: 'create' } } },
    ],
  };
  keyedConfigFile = tempConfig(stringify(config));
  keyed = await startGateway(config, { clock: keyedClock });
  const admin = adminOf(keyed, config);
  const issue = async (name: string, plan: string, key: { scopes?: string[]; bindings?: string[]; expiresAt?: number } = {}) => {
    const account = await admin.createAccount(name, plan);
    const issued = await admin.createKey({ accountId: account.id, name, scopes: ['rows:read'], ...key });
    keys[name] = issued.secret;
    return { account, keyId: issued.key.id };
  };
  await issue('good', 'free');
  await issue('expired', 'free', { expiresAt: keyedClock.now() - 1 });
  await admin.revokeKey((await issue('revoked', 'free')).keyId);
  const rotated = await issue('rotated', 'free');
  await issue('bound', 'free', { bindings: ['b1'] });
  await issue('noScope', 'free', { scopes: [] });
  await admin.setStatus((await issue('disabled', 'free')).account.id, 'disabled');
  await issue('limited', 'limited');
  keys['fullAccount'] = (await issue('trial', 'trial')).account.id;
  keyedClock.advance(86_400_000);
  // Rotation is last: it issues a second key for the account, over the limit of one.
  await admin.rotateKey(rotated.keyId);
}

afterAll(async () => {
  await noRedisPortier.close();
  await noPostgresPortier.close();
  await busyPortier.close();
  for (const socket of silentSockets) socket.destroy();
  silentServer.close();
  await keyed.close();
  await portier.close();
  await brokenPortier.close();
  await upstream.close();
  await closedPort.release();
});

describe('catalog coverage', () => {
  it('catalog: has a scenario for exactly the catalog codes', () => {
    expect(Object.keys(scenarios).sort()).toEqual([...errorCodes].sort());
  });

  for (const code of errorCodes) {
    it(`catalog: produces ${code} end to end`, async () => {
      const observed = await scenarios[code]();
      expect(observed.code).toBe(code);
      if (catalogEntry(code).statusFromUpstream !== true) expect(observed.status).toBe(catalog[code].status);
    });
  }
});
