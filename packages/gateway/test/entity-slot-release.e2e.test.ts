import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { waitFor } from './helpers/wait-for.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

// A create route takes an entity slot in the plan stage, before the stages that can still refuse the
// request (rate limit, body cap, validation) and before the upstream answers. Every way the request can
// end without a create must give the slot back; the count is read from the store each time.

let upstream: TestUpstream;
/** Accepts connections and resets them at once: the upstream never answers. */
let resetting: Server;
let portier: TestGateway;
let admin: AccountAdmin;
/** Requests the upstream holds until the test lets them go. */
const held: (() => void)[] = [];
let arrived: (() => void) | undefined;

beforeAll(async () => {
  upstream = await startUpstream(async (req, res) => {
    if (req.url === '/hold') {
      arrived?.();
      await new Promise<void>((resolve) => held.push(resolve));
    }
    json(res, 201, { id: 'company' });
  });
  resetting = createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
  const resettingUrl = `http://127.0.0.1:${(resetting.address() as AddressInfo).port}`;
  const entity = { name: 'companies', action: 'create' };
  const config = {
    auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
    plans: { free: { entities: { companies: 5 } } },
    upstreams: { app: { url: upstream.url }, gone: { url: resettingUrl } },
    routes: [
      {
        id: 'create-limited',
        path: '/limited',
        methods: ['POST'],
        upstream: 'app',
        auth: { entity },
        limits: [{ name: 'burst', limit: 1, per: 'hour', algorithm: 'fixed', by: ['key'] }],
      },
      {
        id: 'create-validated',
        path: '/validated',
        methods: ['POST'],
        upstream: 'app',
        maxBodyBytes: 64,
        auth: { entity },
        validation: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
      },
      { id: 'create-gone', path: '/gone', methods: ['POST'], upstream: 'gone', auth: { entity } },
      { id: 'create-held', path: '/hold', methods: ['POST'], upstream: 'app', auth: { entity } },
    ],
  };
  portier = await startGateway(config);
  admin = adminOf(portier, config);
});
afterAll(async () => {
  for (const release of held) release();
  await portier.close();
  await upstream.close();
  await new Promise((resolve) => resetting.close(resolve));
});

async function accountAt(companies: number): Promise<{ id: string; secret: string }> {
  const account = await admin.createAccount(`slot-${Math.random()}`, 'free');
  if (companies > 0) await admin.setEntityCount(account.id, 'companies', companies);
  const issued = await admin.createKey({ accountId: account.id, name: 'k' });
  return { id: account.id, secret: issued.secret };
}

async function companiesOf(accountId: string): Promise<number> {
  return (await admin.showAccount(accountId)).entities['companies'] ?? 0;
}

function create(path: string, secret: string, body: string, contentType = 'application/json') {
  return request(`${portier.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': contentType }, body });
}

describe('entity slots', () => {
  it('plan: gives the slot back when the rate limit refuses the create (429)', async () => {
    const account = await accountAt(3);
    const first = await create('/limited', account.secret, '{}');
    expect(first.statusCode).toBe(201);
    await first.body.dump();
    expect(await companiesOf(account.id)).toBe(4);
    await expectProblem(await create('/limited', account.secret, '{}'), 429, 'rate_limited');
    expect(await eventualCount(account.id, 4)).toBe(4);
  });

  it('plan: gives the slot back when validation refuses the body (400)', async () => {
    const account = await accountAt(4);
    await expectProblem(await create('/validated', account.secret, '{"name": 7}'), 400, 'validation_failed');
    await expectProblem(await create('/validated', account.secret, '{"name": '), 400, 'invalid_json');
    expect(await eventualCount(account.id, 4)).toBe(4);
    // The slot is really free: the fifth company still fits.
    const ok = await create('/validated', account.secret, '{"name": "acme"}');
    expect(ok.statusCode).toBe(201);
    await ok.body.dump();
    expect(await companiesOf(account.id)).toBe(5);
  });

  it('plan: gives the slot back when the body is over the route cap (413)', async () => {
    const account = await accountAt(4);
    await expectProblem(await create('/validated', account.secret, JSON.stringify({ name: 'x'.repeat(200) })), 413, 'payload_too_large');
    expect(await eventualCount(account.id, 4)).toBe(4);
  });

  it('plan: gives the slot back when the upstream resets the connection (502)', async () => {
    const account = await accountAt(4);
    const failed = await create('/gone', account.secret, '{}');
    expect(failed.statusCode).toBe(502);
    await failed.body.dump();
    expect(await eventualCount(account.id, 4)).toBe(4);
  });

  it('plan: gives the slot back when the client goes away before the upstream answers', async () => {
    const account = await accountAt(4);
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const { port } = new URL(portier.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      `POST /hold HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${account.secret}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    await reached;
    expect(await companiesOf(account.id)).toBe(5);
    socket.destroy();
    // The gateway notices the close and aborts the upstream call; the held upstream answer then has no reader.
    expect(await eventualCount(account.id, 4)).toBe(4);
    for (const release of held.splice(0)) release();
  });
});

/**
 * The store's count once it reaches `expected`: the release runs after the answer is sent (or after the
 * close has travelled through the gateway), so there is no event to await, only the store to read.
 */
function eventualCount(accountId: string, expected: number): Promise<number> {
  return waitFor(() => companiesOf(accountId), { what: `the account's companies count back at ${expected}`, until: (count) => count === expected });
}
