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
  upstream = await startUpstream((_req, res, body) => json(res, 200, { received: body.toString('utf8') }));
  const config = {
    auth: { instance: 'eu1', schemes: ['basic'], store: { sqlitePath: tempDbPath() } },
    plans: { free: {}, paid: { features: ['hourly-sync'] } },
    upstreams: { app: { url: upstream.url } },
    routes: [
      {
        id: 'sync-settings',
        path: '/companies/:companyId/syncSettings',
        methods: ['POST'],
        upstream: 'app',
        maxBodyBytes: 256,
        auth: { feature: 'hourly-sync', featureWhen: { pointer: '/syncSchedule', lessThan: 24 } },
      },
      {
        id: 'profile-sync-settings',
        path: '/profile/syncSettings',
        methods: ['POST'],
        upstream: 'app',
        auth: { feature: 'hourly-sync', featureWhen: { pointer: '/settings/*/syncSchedule', lessThan: 24 } },
      },
    ],
  };
  portier = await startGateway(config);
  admin = adminOf(portier, config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function basicFor(plan: string): Promise<string> {
  const account = await admin.createAccount('a', plan);
  const { secret } = await admin.createKey({ accountId: account.id, name: 'k' });
  return `Basic ${Buffer.from(secret).toString('base64')}`;
}

const post = (authorization: string, body: string) =>
  request(`${portier.url}/companies/c1/syncSettings`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });

describe('features required by the request body', () => {
  it('plan: answers 402 feature_not_in_plan for an hourly schedule on a plan without it', async () => {
    const body = await expectProblem(await post(await basicFor('free'), '{"syncSchedule": 1}'), 402, 'feature_not_in_plan');
    expect(body.detail).toBe('The free plan does not include hourly-sync.');
  });

  it('plan: forwards the body unchanged when the condition does not match', async () => {
    const response = await post(await basicFor('free'), '{"syncSchedule": 24, "note": "daily"}');
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ received: '{"syncSchedule": 24, "note": "daily"}' });
  });

  it('plan: lets the hourly schedule through on a plan with the feature, without reading the body', async () => {
    const response = await post(await basicFor('paid'), '{"syncSchedule": 1}');
    expect(response.statusCode).toBe(200);
    await response.body.dump();
  });

  it('plan: a * segment in the pointer matches when any item of the list matches', async () => {
    const auth = await basicFor('free');
    const settings = (...schedules: unknown[]) => JSON.stringify({ settings: schedules.map((syncSchedule, i) => ({ dataType: `t${i}`, syncSchedule })) });
    const postSettings = (body: string) =>
      request(`${portier.url}/profile/syncSettings`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body });
    await expectProblem(await postSettings(settings(24, 1, 48)), 402, 'feature_not_in_plan');
    for (const body of [settings(24, 48), settings(), '{"settings": {"a": {"syncSchedule": 24}}}', '{"settings": [{"syncSchedule": "1"}]}']) {
      const response = await postSettings(body);
      expect(response.statusCode, body).toBe(200);
      await response.body.dump();
    }
    await expectProblem(await postSettings('{"settings": {"a": {"syncSchedule": 2}}}'), 402, 'feature_not_in_plan');
  });

  it('plan: answers 400 invalid_json (as validation does, with line and column) for a body that is not JSON, and 413 over the route cap', async () => {
    const auth = await basicFor('free');
    const problem = await expectProblem(await post(auth, '{"syncSchedule": '), 400, 'invalid_json');
    expect(problem.detail).toMatch(/\(line 1, column \d+\)\.$/);
    await expectProblem(await post(auth, JSON.stringify({ syncSchedule: 48, pad: 'x'.repeat(300) })), 413, 'payload_too_large');
  });
});
