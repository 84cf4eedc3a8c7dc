import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { systemClock } from '../src/clock.js';
import type { OperationJob } from '../src/operations/operation-handler.js';
import { OperationWorker } from '../src/operations/operation-worker.js';
import { Operations } from '../src/operations/operations.js';
import { SqliteOperationQueue } from '../src/operations/sqlite-operation-queue.js';
import type { UpstreamClient } from '../src/policies/proxy/upstream-client.js';
import { tempDbPath } from './helpers/accounts.js';
import { configOf } from './helpers/policy-context.js';

// The worker's stop: attempts under way get the grace period, and an answer given within it is
// recorded; only one still running past it is left to whoever takes its lease over.

const config = configOf(`
auth: { instance: eu1, store: { sqlitePath: ':memory:' } }
routes:
  - { id: export, path: /exports, methods: [POST], app: true, auth: {}, async: { deadline: 1m } }
`);
const stores: SqliteOperationQueue[] = [];
afterAll(() => {
  for (const store of stores) store.close();
});

/** A worker over a fresh queue holding one operation of `export`, whose handler waits for `answer`. */
async function workerWithOneOperation(answer: () => Promise<void>, headers: string[] = []) {
  const store = new SqliteOperationQueue(tempDbPath(), systemClock);
  stores.push(store);
  const now = systemClock.now();
  await store.enqueue({ id: 'op-1', accountId: 'acc1', routeId: 'export', method: 'POST', url: '/exports', params: {}, headers, body: undefined, correlationId: 'corr-1', requestedAt: now, deadlineAt: now + 60_000 }, 10);
  let started!: (job: OperationJob) => void;
  const running = new Promise<OperationJob>((resolve) => (started = resolve));
  const worker = new OperationWorker(new Operations(store, config), new Map<string, UpstreamClient>(), systemClock, pino({ level: 'silent' }), undefined, {
    export: async (job) => {
      started(job);
      await answer();
      return { status: 200, body: { done: true } };
    },
  });
  return { store, worker, running };
}

describe('operation worker: the job', () => {
  it("worker: the job's headers hold every stored header, a repeated one joined and one named __proto__ kept as a header", async () => {
    const { worker, running } = await workerWithOneOperation(async () => undefined, ['__proto__', 'odd', 'x-tag', 'a', 'x-tag', 'b', 'constructor', 'c']);
    worker.start();
    const job = await running;
    await worker.stop(60_000);
    expect(Object.entries(job.headers)).toEqual([
      ['__proto__', 'odd'],
      ['x-tag', 'a, b'],
      ['constructor', 'c'],
    ]);
    expect(job.headers['toString']).toBeUndefined();
  });
});

describe('operation worker: stop', () => {
  it('worker: an attempt that answers while stop() waits for it, within the grace, is recorded (Success, attempted once)', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const { store, worker, running } = await workerWithOneOperation(() => released);
    worker.start();
    const job = await running;
    const stopping = worker.stop(60_000);
    release();
    await stopping;
    expect(job.signal.aborted).toBe(false);
    expect(await store.get('op-1')).toMatchObject({ status: 'Success', attempts: 1, result: { status: 200 } });
  });

  it('worker: an attempt still running past the grace is aborted and left Pending, to be taken over after its lease', async () => {
    const { store, worker, running } = await workerWithOneOperation(() => new Promise(() => undefined));
    worker.start();
    const job = await running;
    await worker.stop(20);
    expect(job.signal.aborted).toBe(true);
    expect(await store.get('op-1')).toMatchObject({ status: 'Pending', attempts: 1 });
  });
});
