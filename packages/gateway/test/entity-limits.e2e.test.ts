import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { within } from './helpers/wait-for.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

let upstream: TestUpstream;
let portier: TestGateway;
let admin: AccountAdmin;
let failCreates = false;
/** Creates are answered once this settles (a test holds one create while the others are decided). */
let createGate: Promise<void> = Promise.resolve();

beforeAll(async () => {
  upstream = await startUpstream(async (req, res) => {
    if (req.method === 'POST') {
      await createGate;
      return failCreates ? json(res, 500, { message: 'database down' }) : json(res, 201, { id: 'company' });
    }
    if (req.url === '/companies/missing') return json(res, 404, { message: 'no such company' });
    res.writeHead(204).end();
  });
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: { entities: { companies: 50 } } },
    upstreams: { app: { url: upstream.url } },
    routes: [
      { id: 'create-company', path: '/companies', methods: ['POST'], upstream: 'app', auth: { entity: { name: 'companies', action: 'create' } } },
      { id: 'delete-company', path: '/companies/:id', methods: ['DELETE'], upstream: 'app', auth: { entity: { name: 'companies', action: 'delete' } } },
    ],
  };
  portier = await startGateway(config);
  admin = adminOf(portier, config);
});
afterAll(async () => {
  await portier.close();
  await upstream.close();
});

async function accountAt(companies: number): Promise<{ id: string; secret: string }> {
  const account = await admin.createAccount(`acct-${Math.random()}`, 'free');
  if (companies > 0) await admin.setEntityCount(account.id, 'companies', companies);
  const issued = await admin.createKey({ accountId: account.id, name: 'k' });
  return { id: account.id, secret: issued.secret };
}

function call(method: 'POST' | 'DELETE', path: string, secret: string) {
  return request(`${portier.url}${path}`, { method, headers: { authorization: `Bearer ${secret}` }, ...(method === 'POST' ? { body: '{}' } : {}) });
}

async function companiesOf(accountId: string): Promise<number> {
  return (await admin.showAccount(accountId)).entities['companies'] ?? 0;
}

describe('entity-count limits', () => {
  it('plan: lets exactly one of 20 concurrent creates through at 49 of 50, and answers the rest 402 entity_limit_reached', async () => {
    const account = await accountAt(49);
    let release!: () => void;
    createGate = new Promise((resolve) => (release = resolve));
    let answered = 0;
    let nineteenAnswered!: () => void;
    const nineteen = new Promise<void>((resolve) => (nineteenAnswered = resolve));
    const pending = Array.from({ length: 20 }, async () => {
      const response = await call('POST', '/companies', account.secret);
      await response.body.dump();
      if (++answered === 19) nineteenAnswered();
      return response.statusCode;
    });
    // The admitted create is held at the upstream while the other 19 are decided: its slot is taken
    // before the upstream confirms it, so they cannot pass too.
    await within(nineteen, '19 of the 20 creates answered while one is held at the upstream');
    release();
    const statuses = await Promise.all(pending);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 402)).toHaveLength(19);
    expect(await companiesOf(account.id)).toBe(50);
  });

  it('plan: names the limit, the usage and the plan in the 402', async () => {
    const account = await accountAt(50);
    const body = await expectProblem(await call('POST', '/companies', account.secret), 402, 'entity_limit_reached');
    expect(body.detail).toBe('The free plan allows 50 companies, and 50 are in use.');
  });

  it('plan: gives the slot back when the upstream create fails', async () => {
    const account = await accountAt(49);
    failCreates = true;
    try {
      const failed = await call('POST', '/companies', account.secret);
      expect(failed.statusCode).toBe(500);
      await failed.body.dump();
    } finally {
      failCreates = false;
    }
    expect(await companiesOf(account.id)).toBe(49);
    const retried = await call('POST', '/companies', account.secret);
    expect(retried.statusCode).toBe(201);
    await retried.body.dump();
    expect(await companiesOf(account.id)).toBe(50);
  });

  it('plan: frees a slot only when the upstream confirms the delete', async () => {
    const account = await accountAt(50);
    const missing = await call('DELETE', '/companies/missing', account.secret);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
    expect(await companiesOf(account.id)).toBe(50);
    const deleted = await call('DELETE', '/companies/c1', account.secret);
    expect(deleted.statusCode).toBe(204);
    await deleted.body.dump();
    expect(await companiesOf(account.id)).toBe(49);
  });
});
