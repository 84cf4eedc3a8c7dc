import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from './helpers/upstream.js';
import { adminOf } from './helpers/accounts.js';
import { dropSchema, postgresStore, requireSharedPostgres, uniqueSchema } from './helpers/postgres.js';
import { waitFor } from './helpers/wait-for.js';

/**
 * Two gateways (two "hosts") sharing accounts and the operation queue through the machine's PostgreSQL:
 * an operation accepted by one is polled on the other, and finished by the other when the first stops.
 */
const schema = uniqueSchema();
let upstream: TestUpstream;
let survivor: TestGateway;
let leaving: TestGateway | undefined;
const applied = new Map<string, number>();
const sends = new Map<string, number>();
/** The upstream holds every request until the first gateway is gone: what it started, the other must finish. */
let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => (release = resolve));

beforeAll(async () => {
  await requireSharedPostgres();
  upstream = await startUpstream(async (req, res) => {
    const key = String(req.headers['idempotency-key']);
    sends.set(key, (sends.get(key) ?? 0) + 1);
    await released;
    // An idempotent upstream: a re-sent key is answered, not applied again.
    if (!applied.has(key)) applied.set(key, applied.size + 1);
    json(res, 201, { id: key, applied: applied.get(key) });
  });
});
afterAll(async () => {
  await leaving?.close();
  await survivor?.close();
  await upstream.close();
  await dropSchema(schema);
});

describe('operation queue shared through PostgreSQL', () => {
  it('postgres queue: operations accepted by a gateway that then stops are finished by the other, each applied once, and polled there', async () => {
    const config = {
      auth: { instance: 'eu1', store: { postgres: postgresStore(schema) } },
      plans: { free: {} },
      operations: { postgres: postgresStore(schema), leaseMs: 500, concurrency: 2, retry: { baseDelayMs: 20, maxDelayMs: 100 } },
      upstreams: { app: { url: upstream.url } },
      routes: [{ id: 'push', path: '/push', methods: ['POST'], upstream: 'app', auth: {}, async: {} }],
    };
    leaving = await startGateway(config);
    survivor = await startGateway(config);
    const admin = adminOf(leaving, config);
    const account = await admin.createAccount('Acme', 'free');
    const { secret } = await admin.createKey({ accountId: account.id, name: 'ci' });
    const authorization = `Bearer ${secret}`;

    const locations: string[] = [];
    for (let i = 0; i < 20; i++) {
      const accepted = await request(`${leaving.url}/push`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ n: i }) });
      expect(accepted.statusCode).toBe(202);
      await accepted.body.dump();
      locations.push(String(accepted.headers['location']));
    }
    // The leaving gateway has claimed some (its two in flight are held upstream); then it stops for good.
    await upstream.received(2);
    await leaving.close();
    leaving = undefined;
    expect(applied.size).toBe(0);
    release();

    const statusOf = async (location: string): Promise<string> => {
      const polled = await request(`${survivor.url}${location}`, { headers: { authorization } });
      expect(polled.statusCode).toBe(200);
      return ((await polled.body.json()) as { status: string }).status;
    };
    await waitFor(() => Promise.all(locations.map(statusOf)), {
      what: 'all 20 operations Success at the survivor',
      until: (statuses) => statuses.every((status) => status === 'Success'),
    });
    const ids = locations.map((location) => location.split('/').at(-1) ?? '');
    expect(ids.every((id) => applied.has(id))).toBe(true);
    expect(applied.size).toBe(20);
    // The ones the stopped gateway had in flight were sent again after their lease, under the same key.
    expect([...sends.values()].filter((count) => count > 1).length).toBeGreaterThan(0);
    expect(Math.max(...sends.values())).toBeLessThanOrEqual(2);
    const result = await request(`${survivor.url}${locations[0] ?? ''}/result`, { headers: { authorization } });
    expect(result.statusCode).toBe(201);
    expect(((await result.body.json()) as { id: string }).id).toBe(ids[0]);
  });
});
