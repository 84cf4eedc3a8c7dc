import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

let upstream: TestUpstream;
let portier: TestGateway;
let admin: AccountAdmin;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  const config = {
    auth: {
      instance: 'eu1',
      schemes: ['basic', 'bearer'],
      maxKeysPerAccount: 3,
      store: { sqlitePath: tempDbPath() },
      accessTokens: { path: '/token', secret: 's'.repeat(32) },
      keysApi: { path: '/apiKeys', scopes: ['keys'], key: { id: '{id}', name: '{name}', apiKey: '{secret?}', createdDate: '{createdAt}' }, list: { results: '{keys}' } },
    },
    plans: { free: { limits: [{ name: 'day', limit: 1000, per: 'day', algorithm: 'fixed' }] } },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'companies', path: '/companies/:companyId', upstream: 'app', auth: { scopes: ['read'], bindTo: 'companyId' } }],
  };
  portier = await startGateway(config);
  admin = adminOf(portier, config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

const basic = (secret: string): string => `Basic ${Buffer.from(secret).toString('base64')}`;

function call(method: string, path: string, secret: string, body?: string) {
  return request(`${portier.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: basic(secret), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
}

async function newAccount(scopes = ['keys', 'read'], bindings: string[] = [], expiresAt?: number): Promise<{ id: string; secret: string }> {
  const account = await admin.createAccount('a', 'free');
  const { secret } = await admin.createKey({ accountId: account.id, name: 'first', scopes, bindings, ...(expiresAt === undefined ? {} : { expiresAt }) });
  return { id: account.id, secret };
}

interface KeyBody {
  id: string;
  name: string;
  apiKey?: string;
  createdDate: string;
}

describe('self-service keys (auth.keysApi)', () => {
  it('keys API: creates a key shown once in the configured shape, which works at once with the creator\'s scopes, bindings and expiry', async () => {
    const expiresAt = Date.now() + 86_400_000;
    const { id: accountId, secret } = await newAccount(['keys', 'read'], ['c1'], expiresAt);
    const created = await call('POST', '/apiKeys', secret, '{"name": "ci"}');
    expect(created.statusCode).toBe(201);
    expect(created.headers['x-correlation-id']).toBeTruthy();
    const key = (await created.body.json()) as KeyBody;
    expect(Object.keys(key).sort()).toEqual(['apiKey', 'createdDate', 'id', 'name']);
    expect(key.name).toBe('ci');
    expect(Date.parse(key.createdDate)).not.toBeNaN();
    const stored = (await admin.listKeys(accountId)).find((view) => view.id === key.id);
    expect(stored).toMatchObject({ scopes: ['keys', 'read'], bindings: ['c1'], expiresAt: new Date(expiresAt).toISOString() });
    const used = await call('GET', '/companies/c1', key.apiKey ?? '');
    expect(used.statusCode).toBe(200);
    await used.body.dump();
    await expectProblem(await call('GET', '/companies/c2', key.apiKey ?? ''), 403, 'key_not_bound');

    const listed = await call('GET', '/apiKeys', secret);
    expect(listed.headers['ratelimit-policy']).toBe('"day";q=1000;w=86400');
    const { results } = (await listed.body.json()) as { results: KeyBody[] };
    expect(results.map((item) => item.name)).toEqual(['first', 'ci']);
    expect(results.every((item) => item.apiKey === undefined)).toBe(true);
  });

  it('keys API: the account\'s key limit is 409 key_limit_reached; revoking one makes room, and the revoked key is 403 at once', async () => {
    const { secret } = await newAccount();
    const second = (await (await call('POST', '/apiKeys', secret, '{}')).body.json()) as KeyBody;
    expect(second.name).toBe('API key');
    const third = await call('POST', '/apiKeys', secret);
    expect(third.statusCode).toBe(201);
    await third.body.dump();
    const refused = await expectProblem(await call('POST', '/apiKeys', secret, '{"name": "fourth"}'), 409, 'key_limit_reached');
    expect(refused.detail).toBe('An account can have at most 3 active API keys.');
    const revoked = await call('DELETE', `/apiKeys/${second.id}`, secret);
    expect(revoked.statusCode).toBe(204);
    expect(await revoked.body.text()).toBe('');
    await expectProblem(await call('GET', '/apiKeys', second.apiKey ?? ''), 403, 'key_revoked');
    const again = await call('POST', '/apiKeys', secret, '{"name": "fourth"}');
    expect(again.statusCode).toBe(201);
    await again.body.dump();
  });

  it('keys API: another account\'s key is not found, a key without the scope is 403, a token cannot mint keys, a bad body is catalogued', async () => {
    const mine = await newAccount();
    const theirs = await newAccount();
    const theirKeys = (await (await call('GET', '/apiKeys', theirs.secret)).body.json()) as { results: KeyBody[] };
    await expectProblem(await call('DELETE', `/apiKeys/${theirKeys.results[0]?.id ?? ''}`, mine.secret), 404, 'key_not_found');
    expect((await admin.listKeys(theirs.id)).every((key) => key.status === 'active')).toBe(true);

    const readOnly = await newAccount(['read']);
    await expectProblem(await call('POST', '/apiKeys', readOnly.secret, '{}'), 403, 'access_denied');

    const exchanged = await call('GET', '/token', mine.secret);
    const { access_token: token } = (await exchanged.body.json()) as { access_token: string };
    const withToken = await request(`${portier.url}/apiKeys`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
    expect(withToken.statusCode).toBe(401);
    await withToken.body.dump();

    await expectProblem(await call('POST', '/apiKeys', mine.secret, '{"name": '), 400, 'invalid_json');
    const invalid = await expectProblem(await call('POST', '/apiKeys', mine.secret, '{"name": 42}'), 400, 'validation_failed');
    expect(invalid['errors']).toEqual([{ pointer: '/name', message: 'name must be a non-empty string of at most 100 characters', rule: 'name' }]);
    await expectProblem(await call('POST', '/apiKeys', mine.secret, JSON.stringify({ name: 'x'.repeat(5000) })), 413, 'payload_too_large');
    await expectProblem(await call('PUT', '/apiKeys', mine.secret, '{}'), 405, 'method_not_allowed');
  });

  it('keys API: a key sees and revokes only keys within its scopes and bindings, and a broader key is not found', async () => {
    // maxKeysPerAccount is 3 here: one narrow key, one broader, one bound.
    const account = await admin.createAccount('narrow', 'free');
    const make = async (scopes: string[], bindings: string[] = []) => admin.createKey({ accountId: account.id, name: scopes.join('+') || 'none', scopes, bindings });
    const narrow = await make(['keys']);
    const broader = await make(['keys', 'read']);
    const bound = await make(['keys'], ['c1']);
    const listed = await call('GET', '/apiKeys', narrow.secret);
    const { results } = (await listed.body.json()) as { results: KeyBody[] };
    expect(results.map((item) => item.id).sort()).toEqual([narrow.key.id, bound.key.id].sort());
    await expectProblem(await call('DELETE', `/apiKeys/${broader.key.id}`, narrow.secret), 404, 'key_not_found');
    await expectProblem(await call('DELETE', `/apiKeys/${narrow.key.id}`, bound.secret), 404, 'key_not_found');
    const revoked = await call('DELETE', `/apiKeys/${bound.key.id}`, narrow.secret);
    expect(revoked.statusCode).toBe(204);
    await revoked.body.dump();
    const again = await call('GET', '/companies/c1', broader.secret);
    expect(again.statusCode).toBe(200);
    await again.body.dump();
  });
  it('keys API: a rotated key in its grace period neither sees nor revokes the key that replaced it, nor a key made since', async () => {
    // maxKeysPerAccount is 3 here: the rotated key, its replacement, one made by the rotated key.
    const account = await admin.createAccount('rotating', 'free');
    const old = await admin.createKey({ accountId: account.id, name: 'old', scopes: ['keys'] });
    const replacement = await admin.rotateKey(old.key.id);
    const made = await call('POST', '/apiKeys', old.secret, '{"name": "made in grace"}');
    expect(made.statusCode).toBe(201);
    const madeId = ((await made.body.json()) as KeyBody).id;
    const listed = (await (await call('GET', '/apiKeys', old.secret)).body.json()) as { results: KeyBody[] };
    expect(listed.results.map((item) => item.id)).toEqual([old.key.id]);
    await expectProblem(await call('DELETE', `/apiKeys/${replacement.key.id}`, old.secret), 404, 'key_not_found');
    await expectProblem(await call('DELETE', `/apiKeys/${madeId}`, old.secret), 404, 'key_not_found');
    expect((await admin.listKeys(account.id)).filter((key) => key.status !== 'revoked').map((key) => key.id).sort()).toEqual([old.key.id, replacement.key.id, madeId].sort());
    // The replacement sees them all and may revoke the old key; the old key may still revoke itself.
    const seen = (await (await call('GET', '/apiKeys', replacement.secret)).body.json()) as { results: KeyBody[] };
    expect(seen.results.map((item) => item.id).sort()).toEqual([old.key.id, replacement.key.id, madeId].sort());
    const selfRevoked = await call('DELETE', `/apiKeys/${old.key.id}`, old.secret);
    expect(selfRevoked.statusCode).toBe(204);
    await selfRevoked.body.dump();
  });
});
