import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

const clock = new ManualClock();
let upstream: TestUpstream;
let portier: TestGateway;
let admin: AccountAdmin;
const exchangePath = '/api/v2.1/dtable/app-access-token/';

beforeAll(async () => {
  upstream = await startUpstream((req, res) => json(res, 200, { rows: [], key: req.headers['x-portier-key-id'] }));
  const config = {
    auth: {
      instance: 'cloud',
      schemes: ['token', 'bearer'],
      accessTokens: {
        path: exchangePath,
        secret: 'a-test-signing-secret-of-at-least-32-chars',
        ttlSeconds: 259200,
        response: {
          app_name: '{keyName}',
          access_token: '{token}',
          dtable_uuid: '{binding}',
          dtable_server: 'https://cloud.seatable.example/api-gateway/',
          use_api_gateway: true,
        },
      },
      store: { sqlitePath: tempDbPath() },
    },
    plans: { free: {} },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'rows', path: '/api-gateway/api/v2/dtables/:uuid/rows/', upstream: 'app', auth: { bindTo: 'uuid' } }],
  };
  portier = await startGateway(config, { clock });
  admin = adminOf(portier, config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function baseKey(): Promise<{ secret: string; keyId: string }> {
  const account = await admin.createAccount(`a-${Math.random()}`, 'free');
  const issued = await admin.createKey({ accountId: account.id, name: 'my app', bindings: ['b-uuid-1'] });
  return { secret: issued.secret, keyId: issued.key.id };
}

async function exchange(apiKey: string): Promise<Record<string, unknown>> {
  const response = await request(`${portier.url}${exchangePath}`, { headers: { authorization: `Token ${apiKey}` } });
  expect(response.statusCode).toBe(200);
  return (await response.body.json()) as Record<string, unknown>;
}

const rows = (uuid: string, token: string) => request(`${portier.url}/api-gateway/api/v2/dtables/${uuid}/rows/`, { headers: { authorization: `Token ${token}` } });

describe('access tokens', () => {
  it('access-token: trades an API key for a token in the configured body shape', async () => {
    const { secret } = await baseKey();
    const body = await exchange(secret);
    expect(body).toMatchObject({ app_name: 'my app', dtable_uuid: 'b-uuid-1', dtable_server: 'https://cloud.seatable.example/api-gateway/', use_api_gateway: true });
    expect(body['access_token']).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('access-token: lets the token in on the bound resource only, with the key id forwarded', async () => {
    const { secret, keyId } = await baseKey();
    const token = (await exchange(secret))['access_token'] as string;
    const ok = await rows('b-uuid-1', token);
    expect(ok.statusCode).toBe(200);
    expect(await ok.body.json()).toEqual({ rows: [], key: keyId });
    await expectProblem(await rows('b-uuid-2', token), 403, 'key_not_bound');
  });

  it('access-token: answers access_token_expired once the token lifetime is over', async () => {
    const { secret } = await baseKey();
    const token = (await exchange(secret))['access_token'] as string;
    clock.advance(259_200_000);
    const body = await expectProblem(await rows('b-uuid-1', token), 401, 'access_token_expired');
    expect(body.detail).toContain('exchange your API key for a new one');
    const fresh = (await exchange(secret))['access_token'] as string;
    const ok = await rows('b-uuid-1', fresh);
    expect(ok.statusCode).toBe(200);
    await ok.body.dump();
  });

  it('access-token: refuses a tampered token as invalid_token', async () => {
    const { secret } = await baseKey();
    const token = (await exchange(secret))['access_token'] as string;
    const [head, payload, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), exp: 9_999_999_999 })).toString('base64url');
    await expectProblem(await rows('b-uuid-1', `${head}.${forged}.${signature}`), 401, 'invalid_token');
  });

  it('access-token: stops working when its key is revoked', async () => {
    const { secret, keyId } = await baseKey();
    const token = (await exchange(secret))['access_token'] as string;
    await admin.revokeKey(keyId);
    await expectProblem(await rows('b-uuid-1', token), 403, 'key_revoked');
  });

  it('access-token: cannot be traded for another token', async () => {
    const { secret } = await baseKey();
    const token = (await exchange(secret))['access_token'] as string;
    const response = await request(`${portier.url}${exchangePath}`, { headers: { authorization: `Token ${token}` } });
    await expectProblem(response, 401, 'credentials_malformed');
  });
});
