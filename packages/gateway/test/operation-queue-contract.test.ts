import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationQueue } from '../src/operations/operation-queue.js';
import { SqliteOperationQueue } from '../src/operations/sqlite-operation-queue.js';
import { PostgresOperationQueue } from '../src/operations/postgres-operation-queue.js';
import type { NewOperation } from '../src/operations/operation.js';
import { PortierError } from '../src/errors/portier-error.js';
import { ManualClock } from './helpers/gateway.js';
import { storeBackends } from './helpers/store-backends.js';

const clock = new ManualClock(Date.UTC(2026, 10, 22));

const backends = storeBackends<OperationQueue>(
  (path) => new SqliteOperationQueue(path, clock),
  (config) => new PostgresOperationQueue(config, clock),
);

let sequence = 0;
function newOperation(overrides: Partial<NewOperation> = {}): NewOperation {
  sequence += 1;
  const requestedAt = 1_000_000 + sequence;
  return {
    id: `op-${String(sequence).padStart(4, '0')}`,
    accountId: 'acc_1',
    routeId: 'push',
    method: 'POST',
    url: '/companies/c1/push/invoices',
    params: { companyId: 'c1' },
    headers: ['content-type', 'application/json'],
    body: Buffer.from('{"amount":1}'),
    correlationId: `corr-${sequence}`,
    requestedAt,
    deadlineAt: requestedAt + 3_600_000,
    ...overrides,
  };
}

for (const backend of backends) {
  describe(`operation queue contract: ${backend.name}`, () => {
    let queue: OperationQueue;
    let other: OperationQueue;

    beforeAll(async () => {
      await backend.setUp();
      queue = backend.open();
      other = backend.open();
    });
    afterAll(async () => {
      queue.close();
      other.close();
      await backend.tearDown();
    });

    it(`${backend.name}: an operation reads back as queued; the queue refuses past maxPending`, async () => {
      const operation = newOperation({ accountId: 'acc_roundtrip' });
      expect(await queue.enqueue(operation, 1000)).toBe(true);
      const read = await other.get(operation.id);
      expect(read).toMatchObject({ ...operation, status: 'Pending', attempts: 0, nextAttemptAt: operation.requestedAt, leaseUntil: 0, webhookAttempts: 0 });
      expect(read?.body?.toString()).toBe('{"amount":1}');
      expect(await queue.get('nope')).toBeUndefined();
      const pending = (await queue.stats(0)).byStatus.Pending;
      expect(await other.enqueue(newOperation(), pending)).toBe(false);
      expect((await queue.stats(0)).byStatus.Pending).toBe(pending);
      // Leave nothing due for the next cases.
      const claimed = await queue.claim(Number.MAX_SAFE_INTEGER - 1, 1, 1000);
      for (const item of claimed) await queue.settle(item, { kind: 'done', status: 'Success', webhook: false }, 1);
    });

    it(`${backend.name}: two workers claiming at once never take the same operation`, async () => {
      const now = 5_000_000;
      const ids = Array.from({ length: 30 }, () => newOperation({ accountId: 'acc_race', requestedAt: now - 10 }));
      for (const operation of ids) await queue.enqueue(operation, 1000);
      const taken: string[] = [];
      const drain = async (worker: OperationQueue): Promise<void> => {
        for (;;) {
          const batch = await worker.claim(now, 60_000, 4);
          if (batch.length === 0) return;
          for (const item of batch) {
            expect(item.attempts).toBe(1);
            taken.push(item.id);
          }
        }
      };
      await Promise.all([drain(queue), drain(other), drain(queue), drain(other)]);
      expect(taken.sort()).toEqual(ids.map((operation) => operation.id).sort());
      for (const id of taken) {
        const operation = await queue.get(id);
        if (operation !== undefined) await queue.settle(operation, { kind: 'done', status: 'Success', webhook: false }, now);
      }
    });

    it(`${backend.name}: a lease is the completion token; a retry waits its time; an expired lease is taken over`, async () => {
      const operation = newOperation({ accountId: 'acc_lease', requestedAt: 6_000_000 });
      await queue.enqueue(operation, 1000);
      const [first] = await queue.claim(6_000_000, 1000, 10);
      expect(first?.id).toBe(operation.id);
      expect(await queue.settle(first ?? (undefined as never), { kind: 'retry', at: 6_005_000 }, 6_000_100)).toBe(true);
      expect(await other.claim(6_004_999, 1000, 10)).toEqual([]);
      const [second] = await other.claim(6_005_000, 1000, 10);
      expect(second).toMatchObject({ id: operation.id, attempts: 2 });
      // Its worker dies: after the lease, another takes it over and the late answer changes nothing.
      const [third] = await queue.claim(6_006_001, 1000, 10);
      expect(third).toMatchObject({ id: operation.id, attempts: 3 });
      expect(await other.settle(second ?? (undefined as never), { kind: 'done', status: 'Success', webhook: false }, 6_006_002)).toBe(false);
      const result = { status: 201, headers: ['content-type', 'application/json'], body: Buffer.from('{"id":"inv_1"}') };
      expect(await queue.settle(third ?? (undefined as never), { kind: 'done', status: 'Success', result, webhook: true }, 6_006_003)).toBe(true);
      const done = await other.get(operation.id);
      expect(done).toMatchObject({ status: 'Success', completedAt: 6_006_003, result: { status: 201, headers: result.headers }, webhookState: 'pending' });
      expect(done?.result?.body?.toString()).toBe('{"id":"inv_1"}');

      const [hook] = await other.claimWebhooks(6_006_003, 20_000, 10);
      expect(hook).toMatchObject({ id: operation.id, webhookAttempts: 1 });
      expect(await queue.claimWebhooks(6_006_004, 20_000, 10)).toEqual([]);
      await other.webhookSettled(operation.id, 'delivered', null);
      expect(await queue.claimWebhooks(9_000_000, 20_000, 10)).toEqual([]);

      const failed = newOperation({ accountId: 'acc_lease', requestedAt: 6_100_000 });
      await queue.enqueue(failed, 1000);
      const [claimed] = await queue.claim(6_100_000, 1000, 10);
      const error = { code: 'upstream_client_error' as const, status: 404, params: { message: 'no such type' }, service: 'QuickBooksOnline' };
      await queue.settle(claimed ?? (undefined as never), { kind: 'done', status: 'Failed', error, webhook: false }, 6_100_001);
      expect(await other.get(failed.id)).toMatchObject({ status: 'Failed', error, result: undefined, webhookState: undefined });
    });

    it(`${backend.name}: lists an account's operations newest first, by route parameter, page by page; stats and sweep`, async () => {
      const mine = Array.from({ length: 5 }, (_, i) => newOperation({ accountId: 'acc_list', params: { companyId: i % 2 === 0 ? 'c1' : 'c2' }, requestedAt: 7_000_000 + i }));
      for (const operation of mine) await queue.enqueue(operation, 1000);
      const newestFirst = [...mine].reverse().map((operation) => operation.id);
      const page1 = await other.list('acc_list', {}, 2, undefined);
      const page2 = await other.list('acc_list', {}, 2, page1.cursor);
      const page3 = await other.list('acc_list', {}, 2, page2.cursor);
      expect([...page1.items, ...page2.items, ...page3.items].map((item) => item.id)).toEqual(newestFirst);
      expect(page3.cursor).toBeUndefined();
      expect((await queue.list('acc_list', { companyId: 'c2' }, 10, undefined)).items.map((item) => item.id)).toEqual([mine[3]?.id, mine[1]?.id]);
      expect((await queue.list('acc_nobody', {}, 10, undefined)).items).toEqual([]);
      const numbered = await Promise.all([1, 2, 3, 4].map((page) => other.listPage('acc_list', {}, 2, page)));
      expect(numbered.map((page) => page.items.map((item) => item.id))).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4), []]);
      expect(numbered.map((page) => page.total)).toEqual([5, 5, 5, 5]);
      expect(await queue.listPage('acc_list', { companyId: 'c1' }, 2, 2)).toEqual({ items: [mine[0]].map((item) => expect.objectContaining({ id: item?.id })), total: 3 });
      expect(await queue.listPage('acc_nobody', {}, 10, 1)).toEqual({ items: [], total: 0 });

      const stats = await queue.stats(7_000_010);
      expect(stats.byStatus.Pending).toBe(5);
      expect(stats.oldestPendingSeconds).toBe(0);
      for (const claimed of await queue.claim(7_000_010, 1000, 10)) await queue.settle(claimed, { kind: 'done', status: 'Success', webhook: false }, 7_000_020);
      const swept = await other.sweep(7_000_021);
      expect(swept).toBeGreaterThanOrEqual(5);
      expect((await queue.list('acc_list', {}, 10, undefined)).items).toEqual([]);
      expect((await queue.stats(7_000_030)).byStatus).toEqual({ Pending: 0, Success: 0, Failed: 0, TimedOut: 0 });
    });
  });
}

describe('operation queue: PostgreSQL out of reach', () => {
  it('PostgreSQL: an unreachable server is 503 service_unavailable (the operation queue), not a crash or a hang', async () => {
    const queue = new PostgresOperationQueue({ url: 'postgres://postgres@127.0.0.1:1/test', schema: 'portier', poolSize: 1, connectTimeoutMs: 500, queryTimeoutMs: 500 }, clock);
    try {
      const error = await queue.enqueue(newOperation(), 10).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(PortierError);
      expect(error).toMatchObject({ code: 'service_unavailable', params: { service: 'operation-queue' }, headers: { 'Retry-After': '5' } });
    } finally {
      queue.close();
    }
  });
});
