import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { generateKey } from '../src/accounts/keys/key-format.js';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { waitFor } from './helpers/wait-for.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, outsideAdmin, tempDbPath } from './helpers/accounts.js';
import { sendRaw } from './helpers/raw-http.js';

const dayMs = 86_400_000;
const clock = new ManualClock();
let upstream: TestUpstream;
let portier: TestGateway;
let admin: AccountAdmin;
let config: Record<string, unknown>;

beforeAll(async () => {
  upstream = await startUpstream((req, res) =>
    json(res, 200, { account: req.headers['x-portier-account-id'], key: req.headers['x-portier-key-id'], authorization: req.headers.authorization ?? null }),
  );
  config = {
    auth: {
      instance: 'eu1',
      instances: { us1: 'https://us1.api.example.com' },
      schemes: ['bearer', 'basic'],
      maxKeysPerAccount: 3,
      rotationGraceSeconds: 60,
      store: { sqlitePath: tempDbPath() },
    },
    plans: { free: { trialDays: 30 }, pro: { features: ['hourly'] }, limited: { routes: ['rows'] } },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'rows', path: '/v1/bases/:base/rows', upstream: 'app', auth: { scopes: ['rows:read'], bindTo: 'base' } },
      { id: 'rows-write', path: '/v1/bases/:base/rows', methods: ['POST'], upstream: 'app', auth: { scopes: ['rows:write'], bindTo: 'base' } },
      { id: 'hourly', path: '/v1/sync/hourly', methods: ['POST'], upstream: 'app', auth: { feature: 'hourly' } },
      { id: 'optional', path: '/v1/optional', upstream: 'app', auth: { required: false } },
      { id: 'public', path: '/v1/public', upstream: 'app' },
    ],
  };
  portier = await startGateway(config, { clock });
  admin = adminOf(portier, config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function accountWithKey(plan = 'pro', key: { scopes?: string[]; bindings?: string[]; expiresAt?: number } = {}) {
  const account = await admin.createAccount(`acct-${Math.random()}`, plan);
  const issued = await admin.createKey({ accountId: account.id, name: 'test', scopes: ['rows:read', 'rows:write'], ...key });
  return { account, secret: issued.secret, keyId: issued.key.id };
}

function get(path: string, authorization?: string, method: 'GET' | 'POST' = 'GET') {
  return request(`${portier.url}${path}`, { method, headers: authorization === undefined ? {} : { authorization } });
}

describe('api keys: success', () => {
  it('api-key-auth: forwards a Bearer-authenticated request with account and key ids and without the key', async () => {
    const { account, secret, keyId } = await accountWithKey();
    const response = await request(`${portier.url}/v1/bases/b1/rows`, {
      headers: { authorization: `Bearer ${secret}`, 'x-portier-account-id': 'acc_forged' },
    });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ account: account.id, key: keyId, authorization: null });
    expect(portier.logText()).not.toContain(secret);
  });

  it('api-key-auth: accepts Basic credentials carrying the key, with or without an empty password', async () => {
    const { secret } = await accountWithKey();
    for (const user of [secret, `${secret}:`]) {
      const response = await get('/v1/bases/b1/rows', `Basic ${Buffer.from(user).toString('base64')}`);
      expect(response.statusCode).toBe(200);
      await response.body.dump();
    }
  });

  it('api-key-auth: lets a route with optional auth through without a key but not with a bad one', async () => {
    const open = await get('/v1/optional');
    expect(open.statusCode).toBe(200);
    await open.body.dump();
    await expectProblem(await get('/v1/optional', 'Bearer nope'), 401, 'credentials_malformed');
  });
});

describe('api keys: 401', () => {
  it('api-key-auth: answers authentication_required naming the expected form when no key is sent', async () => {
    const body = await expectProblem(await get('/v1/bases/b1/rows'), 401, 'authentication_required');
    expect(body.detail).toContain('`Authorization: Bearer <key>` or `Authorization: Basic <base64 of the key>`');
  });

  it('api-key-auth: answers credentials_malformed with a precise hint for each way a key is badly sent', async () => {
    const { secret } = await accountWithKey();
    const flipped = `${secret.slice(0, 20)}${secret[20] === 'A' ? 'B' : 'A'}${secret.slice(21)}`;
    const cases: [string, string][] = [
      [`Bearer "${secret}"`, 'wrapped in quotes'],
      [`Bearer '${secret}'`, 'wrapped in quotes'],
      [secret, 'scheme is missing'],
      [`Token ${secret}`, 'Token scheme is not accepted'],
      [`Digest ${secret}`, 'is not one this API accepts'],
      [`Bearer ${secret.slice(0, 30)} ${secret.slice(30)}`, 'contains spaces'],
      [`Bearer ${flipped}`, 'checksum does not match'],
      [`Bearer ${secret.slice(0, -3)}`, 'cut short'],
      ['Bearer sk_live_abcdef', 'not an API key of this service'],
      ["Bearer ' OR 1=1 --", 'wrapped in quotes'],
      [`Bearer ${'k'.repeat(10_000)}`, 'not an API key of this service'],
      ['Basic !!!notbase64', 'not base64'],
    ];
    for (const [authorization, hint] of cases) {
      const body = await expectProblem(await get('/v1/bases/b1/rows', authorization), 401, 'credentials_malformed');
      expect(body.detail, authorization.slice(0, 40)).toContain(hint);
    }
    expect(portier.logText()).not.toContain(secret);
  });

  it('api-key-auth: answers credentials_malformed for a key with non-ASCII characters sent as raw UTF-8', async () => {
    const raw = Buffer.from(`GET /v1/bases/b1/rows HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer pt_live_eu1_ключ\r\nConnection: close\r\n\r\n`, 'utf8');
    const response = await sendRaw(portier.url, raw);
    expect(response.status).toBe(401);
    const body = JSON.parse(response.body) as { code: string; detail: string };
    expect(body.code).toBe('credentials_malformed');
    expect(body.detail).toContain('characters a key never has');
  });

  it('api-key-auth: answers invalid_token for a well-formed key that does not exist', async () => {
    const unknown = generateKey({ instance: 'eu1', environment: 'live' }).secret;
    await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${unknown}`), 401, 'invalid_token');
  });

  it('api-key-auth: answers wrong_instance naming the right URL for a key of another instance', async () => {
    const foreign = generateKey({ instance: 'us1', environment: 'live' }).secret;
    const body = await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${foreign}`), 401, 'wrong_instance');
    expect(body.detail).toBe('This API key belongs to the instance us1; send your requests to https://us1.api.example.com.');
  });

  it('api-key-auth: refuses a key of the other environment', async () => {
    const testKey = generateKey({ instance: 'eu1', environment: 'test' }).secret;
    const body = await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${testKey}`), 401, 'credentials_malformed');
    expect(body.detail).toContain('this is a test key');
  });

  it('api-key-auth: answers key_expired once the expiry has passed', async () => {
    const { secret } = await accountWithKey('pro', { expiresAt: clock.now() + 1000 });
    const before = await get('/v1/bases/b1/rows', `Bearer ${secret}`);
    expect(before.statusCode).toBe(200);
    await before.body.dump();
    clock.advance(1000);
    await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${secret}`), 401, 'key_expired');
  });
});

describe('api keys: 403', () => {
  it('access: answers key_revoked on the very next request after a revocation', async () => {
    const { secret, keyId } = await accountWithKey();
    const first = await get('/v1/bases/b1/rows', `Bearer ${secret}`);
    expect(first.statusCode).toBe(200);
    await first.body.dump();
    await admin.revokeKey(keyId);
    await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${secret}`), 403, 'key_revoked');
  });

  it('access: sees a revocation made by another process (the CLI) within the poll interval', async () => {
    const { secret, keyId } = await accountWithKey();
    const warm = await get('/v1/bases/b1/rows', `Bearer ${secret}`);
    await warm.body.dump();
    const outside = outsideAdmin(config, clock);
    await outside.admin.revokeKey(keyId);
    outside.close();
    // The gateway learns of it by polling the store: no event reaches the test, only the answers change.
    const status = await waitFor(
      async () => {
        const response = await get('/v1/bases/b1/rows', `Bearer ${secret}`);
        await response.body.dump();
        return response.statusCode;
      },
      { what: 'the key refused after its revocation by another process', until: (code) => code !== 200 },
    );
    expect(status).toBe(403);
  });

  it('access: keeps a rotated key working during the grace period, then answers key_obsolete', async () => {
    const { secret, keyId } = await accountWithKey();
    const rotated = await admin.rotateKey(keyId);
    for (const key of [secret, rotated.secret]) {
      const response = await get('/v1/bases/b1/rows', `Bearer ${key}`);
      expect(response.statusCode).toBe(200);
      await response.body.dump();
    }
    clock.advance(60_000);
    await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${secret}`), 403, 'key_obsolete');
    const fresh = await get('/v1/bases/b1/rows', `Bearer ${rotated.secret}`);
    expect(fresh.statusCode).toBe(200);
    await fresh.body.dump();
  });

  it('access: answers key_not_bound naming the parameter when the key is bound to other resources', async () => {
    const { secret } = await accountWithKey('pro', { bindings: ['b1'] });
    const ok = await get('/v1/bases/b1/rows', `Bearer ${secret}`);
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
    const body = await expectProblem(await get('/v1/bases/b2/rows', `Bearer ${secret}`), 403, 'key_not_bound');
    expect(body.detail).toBe('This API key is not bound to the base "b2".');
  });

  it('access: answers access_denied naming the missing scope', async () => {
    const { secret } = await accountWithKey('pro', { scopes: ['rows:read'] });
    const body = await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${secret}`, 'POST'), 403, 'access_denied');
    expect(body.detail).toBe('This API key lacks the permission rows:write.');
  });

  it('access: answers account_disabled for every key of a disabled account, and lets it in again once enabled', async () => {
    const { account, secret } = await accountWithKey();
    await admin.setStatus(account.id, 'disabled');
    await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${secret}`), 403, 'account_disabled');
    await admin.setStatus(account.id, 'active');
    const back = await get('/v1/bases/b1/rows', `Bearer ${secret}`);
    expect(back.statusCode).toBe(200);
    await back.body.dump();
  });

  it('access: answers plan_excludes_route when the plan lists other routes', async () => {
    const { secret } = await accountWithKey('limited');
    const allowed = await get('/v1/bases/b1/rows', `Bearer ${secret}`);
    expect(allowed.statusCode).toBe(200);
    await allowed.body.dump();
    await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${secret}`, 'POST'), 403, 'plan_excludes_route');
  });
});

describe('api keys: 402 and 409', () => {
  it('plan: answers feature_not_in_plan, and lets the request through once the account moves to a plan with it', async () => {
    const { account, secret } = await accountWithKey('free');
    const body = await expectProblem(await get('/v1/sync/hourly', `Bearer ${secret}`, 'POST'), 402, 'feature_not_in_plan');
    expect(body.detail).toBe('The free plan does not include hourly.');
    await admin.setPlan(account.id, 'pro');
    const ok = await get('/v1/sync/hourly', `Bearer ${secret}`, 'POST');
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });

  it('plan: answers trial_expired once the trial days have passed', async () => {
    const { secret } = await accountWithKey('free');
    clock.advance(29 * dayMs);
    const during = await get('/v1/bases/b1/rows', `Bearer ${secret}`);
    expect(during.statusCode).toBe(200);
    await during.body.dump();
    clock.advance(dayMs);
    const body = await expectProblem(await get('/v1/bases/b1/rows', `Bearer ${secret}`), 402, 'trial_expired');
    expect(body.detail).toMatch(/^Account expired: the free plan's 30-day trial ended at \d{4}-/);
  });

  it('keys: refuses a key over the per-account limit with 409 key_limit_reached, even under concurrent creates', async () => {
    const account = await admin.createAccount('limit', 'pro');
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => admin.createKey({ accountId: account.id, name: `k${i}` })),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(3);
    const codes = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as { code: string }).code] : []));
    expect(codes).toEqual(Array(17).fill('key_limit_reached'));
  });
});

describe('api keys: durability', () => {
  it('store: keeps accounts and keys across a gateway restart', async () => {
    const { secret } = await accountWithKey();
    const restarted = await startGateway(config, { clock });
    try {
      const response = await request(`${restarted.url}/v1/bases/b1/rows`, { headers: { authorization: `Bearer ${secret}` } });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
    } finally {
      await restarted.close();
    }
  });

  it('store: keeps only a hash of each key', async () => {
    const { keyId, secret } = await accountWithKey();
    const stored = await portier.gateway.keys?.store.getKey(keyId);
    expect(stored?.hash.length).toBe(32);
    expect(JSON.stringify(stored)).not.toContain(secret.slice(20));
  });
});
