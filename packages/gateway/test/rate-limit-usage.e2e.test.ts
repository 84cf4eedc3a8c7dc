import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';
import { runCli } from './helpers/cli.js';

const adminToken = 'usage-admin-token-0123456789abcdefghij';
let upstream: TestUpstream;
let portier: TestGateway;
let configFile: string;
let accountId: string;
let authorization: string;

interface Usage {
  account: string;
  limits: { name: string; limit: number; used: number; remaining: number; subject: Record<string, string>; resetAt: string }[];
}

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, {}));
  const config = {
    admin: { port: 0, token: adminToken },
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    rateLimits: { usagePath: '/v1/rate-limits' },
    plans: {
      free: {
        limits: [
          { name: 'minute', limit: 300, per: 'minute', by: ['param:base'] },
          { name: 'day', limit: 5000, per: 'day', algorithm: 'fixed', by: ['param:base'] },
          { name: 'keyhour', limit: 1000, per: 'hour', by: ['key'] },
        ],
      },
    },
    upstreams: { app: { url: upstream.url } },
    routes: [{ id: 'rows', path: '/dtables/:base/rows', upstream: 'app', auth: {} }],
  };
  portier = await startGateway(config);
  // The CLI asks the running gateway at the admin port its config names: the one it is bound to.
  const adminPort = Number(new URL(portier.gateway.adminUrl as string).port);
  configFile = join(mkdtempSync(join(tmpdir(), 'portier-usage-')), 'portier.yaml');
  writeFileSync(configFile, stringify({ ...config, admin: { ...config.admin, port: adminPort } }));
  const admin = adminOf(portier, config);
  const account = await admin.createAccount('usage', 'free');
  accountId = account.id;
  authorization = `Bearer ${(await admin.createKey({ accountId, name: 'k' })).secret}`;
  for (let i = 0; i < 7; i++) {
    const response = await request(`${portier.url}/dtables/b9/rows`, { headers: { authorization } });
    await response.body.dump();
  }
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function publicUsage(): Promise<Usage> {
  const response = await request(`${portier.url}/v1/rate-limits?base=b9`, { headers: { authorization } });
  expect(response.statusCode).toBe(200);
  return (await response.body.json()) as Usage;
}

describe('rate-limit usage', () => {
  it('usage route: tells a caller how much of each limit it has used, without using any', async () => {
    const first = await publicUsage();
    const second = await publicUsage();
    expect(second).toEqual(first);
    const byName = Object.fromEntries(first.limits.map((limit) => [limit.name, limit]));
    expect(byName['minute']).toMatchObject({ limit: 300, used: 7, remaining: 293, subject: { 'param:base': 'b9' } });
    expect(byName['day']).toMatchObject({ limit: 5000, used: 7, remaining: 4993 });
    expect(byName['keyhour']).toMatchObject({ limit: 1000, used: 7, remaining: 993 });
  });

  it('usage route: leaves out limits counted by a parameter the caller did not name', async () => {
    const response = await request(`${portier.url}/v1/rate-limits`, { headers: { authorization } });
    const usage = (await response.body.json()) as Usage;
    expect(usage.limits.map((limit) => limit.name)).toEqual(['keyhour']);
  });

  it('admin API and CLI: show the same usage for the account', async () => {
    const admin = await request(`${portier.gateway.adminUrl as string}/admin/accounts/${accountId}/usage?base=b9`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const usage = (await admin.body.json()) as Usage;
    expect(usage.limits.find((limit) => limit.name === 'minute')?.used).toBe(7);
    const cli = await runCli(['accounts', 'usage', accountId, '--param', 'base=b9', '--config', configFile]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^minute\s+minute\s+b9\s+7\/300\s+293\s/m);
    expect(cli.stdout).toMatch(/^day\s+day\s+b9\s+7\/5000\s+4993\s/m);
  });
});
