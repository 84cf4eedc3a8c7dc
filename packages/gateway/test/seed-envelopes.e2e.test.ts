import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ManualClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

let upstream: TestUpstream;
let braze: TestGateway;
let seatable: TestGateway;
const secrets: Record<string, string> = {};

function deployment(envelope: 'braze' | 'seatable'): Record<string, unknown> {
  return {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: {} },
    errors: { envelope },
    upstreams: { app: { url: upstream.url, errors: 'normalize' } },
    routes: [
      { id: 'track', path: '/users/track', methods: ['POST'], upstream: 'app', auth: { scopes: ['users.track'] }, limits: [{ name: 'twice', limit: 2, per: 'hour', by: ['key'] }],
        validation: { body: { type: 'object', properties: { external_ids: { type: 'array', maxItems: 2, 'x-message': 'The max number of external_ids and aliases per request was exceeded' } } } } },
      { id: 'broken', path: '/broken', upstream: 'app', auth: {} },
    ],
  };
}

beforeAll(async () => {
  upstream = await startUpstream((req, res) => (req.url === '/broken' ? json(res, 500, { message: 'Internal Server Error' }) : json(res, 201, { message: 'success' })));
  for (const envelope of ['braze', 'seatable'] as const) {
    const config = deployment(envelope);
    const gateway = await startGateway(config);
    const admin = adminOf(gateway, config);
    const account = await admin.createAccount(envelope, 'free');
    secrets[envelope] = (await admin.createKey({ accountId: account.id, name: 'k', scopes: ['users.track'] })).secret;
    secrets[`${envelope}-noscope`] = (await admin.createKey({ accountId: account.id, name: 'k2' })).secret;
    if (envelope === 'braze') braze = gateway;
    else seatable = gateway;
  }
});
afterAll(async () => {
  await braze.close();
  await seatable.close();
  await upstream.close();
});

async function call(gateway: TestGateway, path: string, authorization: string | undefined, body?: unknown) {
  const response = await request(`${gateway.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, type: response.headers['content-type'], correlation: response.headers['x-correlation-id'], retryAfter: response.headers['retry-after'], body: JSON.parse(text) as Record<string, unknown> };
}

describe('braze envelope', () => {
  it('braze: every error is a JSON {message, errors} with the correlation ID in its header', async () => {
    const cases = [
      [await call(braze, '/users/track', undefined, {}), 401],
      [await call(braze, '/users/track', `Bearer ${secrets['braze-noscope'] ?? ''}`, {}), 403],
      [await call(braze, '/nowhere', undefined), 404],
      [await call(braze, '/broken', `Bearer ${secrets['braze'] ?? ''}`), 500],
    ] as const;
    for (const [answer, status] of cases) {
      expect(answer.status).toBe(status);
      expect(answer.type).toBe('application/json');
      expect(Object.keys(answer.body).sort()).toEqual(['errors', 'message']);
      expect(typeof answer.body['message']).toBe('string');
      expect(answer.body['errors']).toEqual([]);
      expect(answer.correlation).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(cases[3][0].body['message']).toBe('Internal Server Error');
  });

  it('braze: the first broken rule is the message, as Braze answers, and a 429 keeps its Retry-After', async () => {
    const tooMany = await call(braze, '/users/track', `Bearer ${secrets['braze'] ?? ''}`, { external_ids: ['a', 'b', 'c'] });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toEqual({ message: 'The max number of external_ids and aliases per request was exceeded', errors: [] });
    expect((await call(braze, '/users/track', `Bearer ${secrets['braze'] ?? ''}`, {})).status).toBe(201);
    const limited = await call(braze, '/users/track', `Bearer ${secrets['braze'] ?? ''}`, {});
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(limited.body['message']).toMatch(/^The limit of 2 requests per/);
  });
});

describe('seatable envelope', () => {
  it('seatable: 401 as {detail}, other errors as {error_msg}', async () => {
    const missing = await call(seatable, '/users/track', undefined, {});
    expect(missing.status).toBe(401);
    expect(missing.type).toBe('application/json');
    expect(Object.keys(missing.body)).toEqual(['detail']);
    const forbidden = await call(seatable, '/users/track', `Bearer ${secrets['seatable-noscope'] ?? ''}`, {});
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ error_msg: 'This API key lacks the permission users.track.' });
    const notFound = await call(seatable, '/nowhere', undefined);
    expect(notFound.body).toEqual({ error_msg: 'No route matches GET /nowhere.' });
    const invalid = await call(seatable, '/users/track', `Bearer ${secrets['seatable'] ?? ''}`, { external_ids: [1, 2, 3] });
    expect(invalid.status).toBe(400);
    expect(String(invalid.body['error_msg'])).toContain('The max number of external_ids and aliases per request was exceeded');
  });
});

describe('codat envelope with Codat\'s own wording', () => {
  it('codat: reproduces the seed\'s two 402 bodies (company limit, expired free account) field for field, with our correlation ID', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const config = {
      auth: { instance: 'codat', schemes: ['basic'], store: { sqlitePath: tempDbPath() } },
      plans: { free: { trialDays: 365, entities: { companies: 50 } } },
      errors: {
        envelope: 'codat',
        service: 'PublicApi',
        texts: {
          en: {
            entity_limit_reached: {
              detail: 'CompanyValidationException: Company limit exceeded',
              items: [{ pointer: 'Company', message: 'Company limit exceeded. Learn more at https://docs.codat.io/using-the-api/errors', rule: 'CreateCompany' }],
            },
            trial_expired: { detail: 'Payment Required', items: [{ message: 'Account expired. Learn more at https://docs.codat.io/using-the-api/errors' }] },
          },
        },
      },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'companies', path: '/companies', methods: ['POST'], upstream: 'app', auth: { entity: { name: 'companies', action: 'create' } } }],
    };
    const gateway = await startGateway(config, { clock });
    try {
      const admin = adminOf(gateway, config);
      const account = await admin.createAccount('codat', 'free');
      await admin.setEntityCount(account.id, 'companies', 50);
      const secret = (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
      const basic = `Basic ${Buffer.from(secret).toString('base64')}`;
      const create = async () => {
        const response = await request(`${gateway.url}/companies`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: '{"name":"Acme"}' });
        const body = (await response.body.json()) as Record<string, unknown>;
        expect(body['correlationId']).toBe(response.headers['x-correlation-id']);
        return { status: response.statusCode, body: { ...body, correlationId: '00000000-0000-0000-0000-000000000000' } };
      };
      expect(await create()).toEqual({
        status: 402,
        body: {
          statusCode: 402,
          service: 'PublicApi',
          error: 'CompanyValidationException: Company limit exceeded',
          correlationId: '00000000-0000-0000-0000-000000000000',
          validation: {
            errors: [{ itemId: 'Company', message: 'Company limit exceeded. Learn more at https://docs.codat.io/using-the-api/errors', validatorName: 'CreateCompany' }],
            warnings: [],
          },
          canBeRetried: 'Unknown',
          detailedErrorCode: 0,
        },
      });
      clock.advance(366 * 86_400_000);
      expect(await create()).toEqual({
        status: 402,
        body: {
          statusCode: 402,
          service: 'PublicApi',
          error: 'Payment Required',
          correlationId: '00000000-0000-0000-0000-000000000000',
          validation: { errors: [{ message: 'Account expired. Learn more at https://docs.codat.io/using-the-api/errors' }], warnings: [] },
          canBeRetried: 'Unknown',
          detailedErrorCode: 0,
        },
      });
    } finally {
      await gateway.close();
    }
  });
});
