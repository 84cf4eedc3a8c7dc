import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { waitFor } from './helpers/wait-for.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, outsideAdmin } from './helpers/accounts.js';
import { dropSchema, postgresStore, requireSharedPostgres, uniqueSchema } from './helpers/postgres.js';
import { systemClock } from '../src/clock.js';
import { runCli } from './helpers/cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Two gateways (two "hosts") sharing accounts and keys through the machine's PostgreSQL. */
const schema = uniqueSchema();
let upstream: TestUpstream;
let first: TestGateway;
let second: TestGateway;
let admin: AccountAdmin;
let config: Record<string, unknown>;

beforeAll(async () => {
  await requireSharedPostgres();
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  config = {
    auth: { instance: 'eu1', store: { postgres: postgresStore(schema) } },
    plans: { free: { entities: { companies: 3 } } },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'rows', path: '/rows', upstream: 'app', auth: {} },
      { id: 'companies', path: '/companies', methods: ['POST'], upstream: 'app', auth: { entity: { name: 'companies', action: 'create' } } },
    ],
  };
  first = await startGateway(config);
  second = await startGateway(config);
  admin = adminOf(first, config);
});
afterAll(async () => {
  await first.close();
  await second.close();
  await upstream.close();
  await dropSchema(schema);
});

const get = (gateway: TestGateway, secret: string) => request(`${gateway.url}/rows`, { headers: { authorization: `Bearer ${secret}` } });

describe('accounts and keys shared through PostgreSQL', () => {
  it('postgres store: a key made through one gateway works on the other, and its revocation reaches the other\'s cache', async () => {
    const account = await admin.createAccount('Acme', 'free');
    const { key, secret } = await admin.createKey({ accountId: account.id, name: 'ci' });
    const answered = await get(second, secret);
    expect(answered.statusCode).toBe(200);
    await answered.body.dump();
    await admin.revokeKey(key.id);
    await waitFor(
      async () => {
        const response = await get(second, secret);
        await response.body.dump();
        return response.statusCode;
      },
      { what: 'the key refused on the second gateway after its revocation', until: (status) => status !== 200 },
    );
    await expectProblem(await get(second, secret), 403, 'key_revoked');
  });

  it('postgres store: an entity limit holds across both gateways under concurrent creates', async () => {
    const account = await admin.createAccount('Entities', 'free');
    const { secret } = await admin.createKey({ accountId: account.id, name: 'ci' });
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const response = await request(`${(i % 2 === 0 ? first : second).url}/companies`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: '{}' });
        await response.body.dump();
        return response.statusCode;
      }),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 402)).toHaveLength(9);
    expect((await admin.showAccount(account.id)).entities).toEqual({ companies: 3 });
  });

  it('postgres store: the CLI manages the same accounts (`portier keys create`), seen by both gateways at once', async () => {
    const account = await admin.createAccount('Cli', 'free');
    const file = join(mkdtempSync(join(tmpdir(), 'portier-pg-')), 'portier.yaml');
    writeFileSync(file, stringify(config));
    const created = await runCli(['keys', 'create', '--account', account.id, '--name', 'from the cli', '--config', file, '--json']);
    expect(created.code).toBe(0);
    const { secret } = JSON.parse(created.stdout) as { secret: string };
    for (const gateway of [first, second]) {
      const response = await get(gateway, secret);
      expect(response.statusCode).toBe(200);
      await response.body.dump();
    }
    const outside = outsideAdmin(config, systemClock);
    try {
      expect((await outside.admin.listKeys(account.id)).map((key) => key.name)).toEqual(['from the cli']);
    } finally {
      outside.close();
    }
  });
});
