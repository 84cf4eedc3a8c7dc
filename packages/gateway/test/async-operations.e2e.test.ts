import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { AccountAdmin } from '../src/admin/account-admin.js';
import { JumpingClock, startGateway, type TestGateway } from './helpers/gateway.js';
import { waitFor } from './helpers/wait-for.js';
import { json, startUpstream, type SeenRequest, type TestUpstream } from './helpers/upstream.js';
import { expectProblem } from './helpers/expect-problem.js';
import { adminOf, tempDbPath } from './helpers/accounts.js';

/**
 * The upstream of these tests behaves like an idempotent API: it applies a write once per
 * Idempotency-Key (a repeat gets the first answer), and follows instructions in the body to fail,
 * refuse or hang.
 */
let upstream: TestUpstream;
const applied = new Map<string, unknown>();
const attemptsByKey = new Map<string, number>();
/** Upstream calls whose body says `hold: true` wait for this; `holdCalls()` sets a new one. */
let held: Promise<void> = Promise.resolve();

/** Holds the `hold: true` calls from now on, until the returned function is called. */
function holdCalls(): () => void {
  let release!: () => void;
  held = new Promise((resolve) => (release = resolve));
  return release;
}

beforeAll(async () => {
  upstream = await startUpstream(async (req, res, raw) => {
    const key = String(req.headers['idempotency-key'] ?? '');
    const attempt = (attemptsByKey.get(key) ?? 0) + 1;
    attemptsByKey.set(key, attempt);
    const body = JSON.parse(raw.toString() || '{}') as { fail?: number; never?: boolean; reject?: boolean; hold?: boolean };
    if (body.hold === true) await held;
    if (body.never === true) return json(res, 500, { message: 'always broken' });
    if (body.fail !== undefined && attempt <= body.fail) return json(res, 503, { message: 'busy' }, { 'retry-after': '0' });
    if (body.reject === true) return json(res, 400, { message: 'Datatype invoices not supported by platform(s) Xero' });
    if (!applied.has(key)) applied.set(key, { id: `inv_${applied.size + 1}`, path: req.url });
    json(res, 201, applied.get(key));
  });
});
afterAll(async () => {
  await upstream.close();
});

async function newKey(admin: AccountAdmin): Promise<string> {
  const account = await admin.createAccount(`acct-${Math.random()}`, 'free');
  return (await admin.createKey({ accountId: account.id, name: 'k' })).secret;
}

interface CodatOperation {
  pushOperationKey: string;
  companyId: string;
  dataConnectionKey: string;
  dataType: string;
  status: string;
  statusCode: number | null;
  requestedOnUtc: string;
  completedOnUtc: string | null;
}

/** Polls an operation until it is no longer Pending (the worker runs on its own and tells no one). */
function settled(url: string, secret: string): Promise<CodatOperation> {
  return waitFor(
    async () => {
      const response = await request(url, { headers: { authorization: `Bearer ${secret}` } });
      return (await response.body.json()) as CodatOperation;
    },
    { what: `the operation at ${url} to leave Pending`, until: (operation) => operation.status !== 'Pending' },
  );
}

describe('async routes (Codat push operations)', () => {
  let portier: TestGateway;
  const clock = new JumpingClock();
  let admin: AccountAdmin;
  let secret: string;

  beforeAll(async () => {
    const codatBody = {
      pushOperationKey: '{id}',
      companyId: '{params.companyId}',
      dataConnectionKey: '{params.connectionId}',
      dataType: '{params.dataType}',
      status: '{status}',
      statusCode: '{statusCode}',
      requestedOnUtc: '{requestedOnUtc}',
      completedOnUtc: '{completedOnUtc}',
    };
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      operations: { path: '/companies/:companyId/push', retry: { baseDelayMs: 20, maxDelayMs: 100 }, body: codatBody },
      upstreams: { app: { url: upstream.url } },
      routes: [
        {
          id: 'push',
          path: '/companies/:companyId/connections/:connectionId/push/:dataType',
          methods: ['POST'],
          upstream: 'app',
          auth: {},
          async: {},
          idempotency: {},
        },
        {
          id: 'push-short',
          path: '/companies/:companyId/connections/:connectionId/push-short/:dataType',
          methods: ['POST'],
          upstream: 'app',
          auth: {},
          async: { deadline: '1s' },
        },
      ],
    };
    portier = await startGateway(config, { clock });
    admin = adminOf(portier, config);
    secret = await newKey(admin);
  });
  afterAll(async () => {
    await portier.close();
  });

  function push(body: unknown, options: { path?: string; key?: string; secret?: string } = {}) {
    return request(`${portier.url}${options.path ?? '/companies/c1/connections/d1/push/invoices'}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.secret ?? secret}`,
        'content-type': 'application/json',
        ...(options.key === undefined ? {} : { 'idempotency-key': options.key }),
      },
      body: JSON.stringify(body),
    });
  }

  it('answers 202 with a Pending operation and its Location, then the operation ends in Success with the upstream answer', async () => {
    const accepted = await push({ amount: 10 });
    expect(accepted.statusCode).toBe(202);
    const operation = (await accepted.body.json()) as CodatOperation;
    expect(operation).toMatchObject({ companyId: 'c1', dataConnectionKey: 'd1', dataType: 'invoices', status: 'Pending', statusCode: null, completedOnUtc: null });
    expect(Date.parse(operation.requestedOnUtc)).not.toBeNaN();
    expect(accepted.headers['location']).toBe(`/companies/c1/push/${operation.pushOperationKey}`);
    expect(accepted.headers['retry-after']).toBe('1');

    const done = await settled(`${portier.url}${String(accepted.headers['location'])}`, secret);
    expect(done.status).toBe('Success');
    expect(done.statusCode).toBe(201);
    expect(Date.parse(done.completedOnUtc ?? '')).toBeGreaterThanOrEqual(Date.parse(done.requestedOnUtc));

    const result = await request(`${portier.url}${String(accepted.headers['location'])}/result`, { headers: { authorization: `Bearer ${secret}` } });
    expect(result.statusCode).toBe(201);
    expect(result.headers['x-portier-operation-status']).toBe('Success');
    expect(await result.body.json()).toEqual(applied.get(operation.pushOperationKey));

    // Forwarded with the operation id as Idempotency-Key, and without the caller's key.
    const seen = upstream.seen.filter((item) => item.headers['idempotency-key'] === operation.pushOperationKey);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers['authorization']).toBeUndefined();
    expect(seen[0]?.url).toBe('/companies/c1/connections/d1/push/invoices');
    expect(JSON.parse(seen[0]?.body.toString() ?? '')).toEqual({ amount: 10 });
  });

  it('answers 409 resource_not_ready with Retry-After for the result of an operation still pending', async () => {
    const release = holdCalls();
    const accepted = await push({ hold: true });
    const location = String(accepted.headers['location']);
    await accepted.body.dump();
    const early = await request(`${portier.url}${location}/result`, { headers: { authorization: `Bearer ${secret}` } });
    release();
    expect(early.headers['retry-after']).toBe('1');
    await expectProblem(early, 409, 'resource_not_ready');
    expect((await settled(`${portier.url}${location}`, secret)).status).toBe('Success');
  });

  it('retries an upstream that fails twice, then records Success with one effective write', async () => {
    const accepted = await push({ fail: 2 });
    const { pushOperationKey: id } = (await accepted.body.json()) as CodatOperation;
    const done = await settled(`${portier.url}${String(accepted.headers['location'])}`, secret);
    expect(done.status).toBe('Success');
    expect(attemptsByKey.get(id)).toBe(3);
    const writes = upstream.seen.filter((item) => item.headers['idempotency-key'] === id);
    expect(writes.map((item) => item.headers['x-portier-attempt'])).toEqual(['1', '2', '3']);
    expect(applied.has(id)).toBe(true);
  });

  it('ends as TimedOut once the deadline passes, and the result is 504 operation_timed_out', async () => {
    const accepted = await push({ never: true }, { path: '/companies/c1/connections/d1/push-short/bills' });
    const location = String(accepted.headers['location']);
    await accepted.body.dump();
    // Its first attempt has failed; then the 1 s deadline passes on the gateway's clock.
    await upstream.received(1, (seen) => seen.headers['idempotency-key'] === location.split('/').at(-1));
    clock.advance(1001);
    const done = await settled(`${portier.url}${location}`, secret);
    expect(done.status).toBe('TimedOut');
    expect(done.statusCode).toBe(504);
    const result = await request(`${portier.url}${location}/result`, { headers: { authorization: `Bearer ${secret}` } });
    const problem = await expectProblem(result, 504, 'operation_timed_out');
    expect(problem.detail).toContain('1s');
  });

  it('ends as Failed with the upstream error, normalized, for a final 4xx', async () => {
    const accepted = await push({ reject: true });
    const location = String(accepted.headers['location']);
    await accepted.body.dump();
    const done = await settled(`${portier.url}${location}`, secret);
    expect(done).toMatchObject({ status: 'Failed', statusCode: 400 });
    const result = await request(`${portier.url}${location}/result`, { headers: { authorization: `Bearer ${secret}` } });
    expect(result.statusCode).toBe(400);
    expect(await result.body.json()).toEqual({ message: 'Datatype invoices not supported by platform(s) Xero' });
  });

  it('hides an operation from other accounts and under other parameter values: 404 operation_not_found', async () => {
    const accepted = await push({ amount: 1 });
    const location = String(accepted.headers['location']);
    await accepted.body.dump();
    const stranger = await newKey(admin);
    for (const path of [location, `${location}/result`]) {
      await expectProblem(await request(`${portier.url}${path}`, { headers: { authorization: `Bearer ${stranger}` } }), 404, 'operation_not_found');
    }
    await expectProblem(await request(`${portier.url}${location.replace('/c1/', '/c2/')}`, { headers: { authorization: `Bearer ${secret}` } }), 404, 'operation_not_found');
    await expectProblem(await request(`${portier.url}/companies/c1/push/no-such-operation`, { headers: { authorization: `Bearer ${secret}` } }), 404, 'operation_not_found');
    await expectProblem(await request(`${portier.url}${location}`), 401, 'authentication_required');
  });

  it('lists the caller\'s operations of one company, newest first, page by page', async () => {
    const own = await newKey(admin);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const accepted = await push({ n: i }, { secret: own, path: '/companies/c9/connections/d1/push/invoices' });
      ids.push(((await accepted.body.json()) as CodatOperation).pushOperationKey);
      // Newest first is by request time on the gateway's clock: keep the three apart.
      clock.advance(1000);
    }
    await (await push({ n: 'other company' }, { secret: own, path: '/companies/c8/connections/d1/push/invoices' })).body.dump();
    const first = await request(`${portier.url}/companies/c9/push?limit=2`, { headers: { authorization: `Bearer ${own}` } });
    const page1 = (await first.body.json()) as { data: CodatOperation[]; next: string | null };
    expect(page1.data.map((item) => item.pushOperationKey)).toEqual([ids[2], ids[1]]);
    expect(first.headers['link']).toBe(`<${page1.next ?? ''}>; rel="next"`);
    const second = await request(`${portier.url}${page1.next ?? ''}`, { headers: { authorization: `Bearer ${own}` } });
    const page2 = (await second.body.json()) as { data: CodatOperation[]; next: string | null };
    expect(page2.data.map((item) => item.pushOperationKey)).toEqual([ids[0]]);
    expect(page2.next).toBeNull();
    await expectProblem(await request(`${portier.url}/companies/c9/push?limit=1000`, { headers: { authorization: `Bearer ${own}` } }), 400, 'bad_request');
  });

  it('replays the same 202 and operation to a retried push with the same Idempotency-Key', async () => {
    const key = `"${crypto.randomUUID()}"`;
    const first = await push({ amount: 3 }, { key });
    const second = await push({ amount: 3 }, { key });
    expect(second.statusCode).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['location']).toBe(first.headers['location']);
    expect(((await second.body.json()) as CodatOperation).pushOperationKey).toBe(((await first.body.json()) as CodatOperation).pushOperationKey);
  });
});

describe('async routes: webhook, queue limit, admin view', () => {
  let portier: TestGateway;
  let receiver: TestUpstream;
  let admin: AccountAdmin;
  let secret: string;
  /** Operations whose first webhook delivery has been refused (each one's first is). */
  const hookFailedOnce = new Set<string>();
  const hookFor = (delivery: SeenRequest): string => (JSON.parse(delivery.body.toString()) as { id: string }).id;
  const adminToken = 'a'.repeat(40);

  beforeAll(async () => {
    receiver = await startUpstream((_req, res, body) => {
      const id = (JSON.parse(body.toString()) as { id: string }).id;
      if (!hookFailedOnce.has(id)) {
        hookFailedOnce.add(id);
        return json(res, 500, {});
      }
      res.writeHead(204).end();
    });
    const config = {
      auth: { instance: 'eu1', store: { sqlitePath: tempDbPath() } },
      plans: { free: {} },
      admin: { port: 0, token: adminToken },
      operations: { concurrency: 1, maxPending: 2, retry: { baseDelayMs: 20, maxDelayMs: 50 } },
      upstreams: { app: { url: upstream.url } },
      routes: [
        { id: 'jobs', path: '/jobs', methods: ['POST'], upstream: 'app', auth: {}, async: { webhook: { url: `${receiver.url}/hooks`, secret: 'webhook-secret-0123456789' } } },
      ],
    };
    portier = await startGateway(config);
    admin = adminOf(portier, config);
    secret = await newKey(admin);
  });
  afterAll(async () => {
    await portier.close();
    await receiver.close();
  });

  const job = (body: unknown) =>
    request(`${portier.url}/jobs`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('posts a signed webhook when the operation ends, retrying a failed delivery', async () => {
    const accepted = await job({ amount: 1 });
    const operation = (await accepted.body.json()) as { id: string; status: string; links: { self: string; result: string } };
    expect(operation.links.self).toBe(`/operations/${operation.id}`);
    const forThis = (delivery: SeenRequest): boolean => hookFor(delivery) === operation.id;
    await receiver.received(2, forThis);
    const deliveries = receiver.seen.filter(forThis);
    expect(deliveries).toHaveLength(2);
    const delivered = deliveries[1];
    const body = delivered?.body.toString() ?? '';
    expect(JSON.parse(body)).toMatchObject({ id: operation.id, status: 'Success', statusCode: 201, response: { status: 201 } });
    const signature = String(delivered?.headers['portier-signature']);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
    expect(match).not.toBeNull();
    const expected = createHmac('sha256', 'webhook-secret-0123456789').update(`${match?.[1] ?? ''}.${body}`).digest('hex');
    expect(match?.[2]).toBe(expected);
  });

  it('refuses new work with 503 operation_queue_full once maxPending operations wait, and shows the queue to operators', async () => {
    const release = holdCalls();
    const a = await job({ hold: true });
    const b = await job({ hold: true });
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    const [first, second] = [(await a.body.json()) as { id: string }, (await b.body.json()) as { id: string }];
    // One worker (concurrency 1): the first is running, held at the upstream; the second waits for it.
    await upstream.received(1, (seen) => seen.headers['idempotency-key'] === first.id);
    const full = await job({ amount: 2 });
    expect(full.headers['retry-after']).toBe('5');
    await expectProblem(full, 503, 'operation_queue_full');

    const stats = await request(`${String(portier.gateway.adminUrl)}/admin/operations/stats`, { headers: { authorization: `Bearer ${adminToken}` } });
    const body = (await stats.body.json()) as { byStatus: Record<string, number>; running: number; oldestPendingSeconds: number };
    expect(body.byStatus['Pending']).toBe(2);
    expect(body.running).toBe(1);
    expect(body.oldestPendingSeconds).toBeGreaterThanOrEqual(0);
    const metrics = await (await request(`${String(portier.gateway.adminUrl)}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).body.text();
    expect(metrics).toContain('portier_operations{status="Pending"} 2');
    expect(metrics).toMatch(/^portier_operations_oldest_pending_seconds \d+$/m);

    // Room again for the other tests here: both finish once released.
    release();
    for (const { id } of [first, second]) {
      await waitFor(async () => ((await (await request(`${portier.url}/operations/${id}`, { headers: { authorization: `Bearer ${secret}` } })).body.json()) as { status: string }).status, {
        what: `operation ${id} to finish once released`,
        until: (status) => status !== 'Pending',
      });
    }
  });
});
