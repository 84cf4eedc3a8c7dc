import { describe, expect, it } from 'vitest';
import { policyContext } from '../../test/helpers/policy-context.js';
import type { KeyEntry } from '../accounts/key-directory.js';
import type { ErrorCode } from '../errors/catalog.js';
import type { CompiledRoute } from '../pipeline/compiled-route.js';
import type { ResponseSink } from '../pipeline/exchange.js';
import type { RequestContext } from '../pipeline/request-context.js';
import { bucketIndex, ownerOf, UsageMeter } from './usage-meter.js';

class StepClock {
  constructor(public at = Date.UTC(2026, 10, 1, 12, 0, 30)) {}
  now(): number {
    return this.at;
  }
}

interface Answer {
  readonly status: number;
  readonly account?: string;
  readonly key?: string;
  readonly route?: string;
  readonly code?: ErrorCode;
  readonly url?: string;
  /** The client left before anything was sent. */
  readonly left?: boolean;
  readonly tookMs?: number;
}

function answered(answer: Answer): RequestContext {
  const res = { headersSent: answer.left !== true, statusCode: answer.status } as unknown as ResponseSink;
  const ctx = policyContext({ url: answer.url ?? '/rows' }, res);
  ctx.correlationId = `c-${answer.status}`;
  if (answer.route !== undefined) ctx.route = { id: answer.route } as CompiledRoute;
  if (answer.code !== undefined) ctx.errorCode = answer.code;
  if (answer.account !== undefined) ctx.auth = { account: { id: answer.account }, key: { id: answer.key ?? 'k' } } as unknown as KeyEntry;
  ctx.settle(ctx.startedAt + (answer.tookMs ?? 0));
  return ctx;
}

const minute = Date.UTC(2026, 10, 1, 12, 0, 0);

describe('usage meter', () => {
  it('counts per account, key, route, status and code within a minute, with the owner of each error', () => {
    const meter = new UsageMeter(new StepClock(), 1000, 10);
    for (let i = 0; i < 3; i++) meter.record(answered({ status: 200, account: 'a1', key: 'k1', route: 'rows' }));
    meter.record(answered({ status: 200, account: 'a1', key: 'k2', route: 'rows' }));
    meter.record(answered({ status: 429, account: 'a1', key: 'k1', route: 'rows', code: 'rate_limited' }));
    meter.record(answered({ status: 418, account: 'a1', key: 'k1', route: 'rows' }));
    meter.record(answered({ status: 401, route: 'rows', code: 'authentication_required' }));
    meter.record(answered({ status: 200, route: 'rows', left: true }));
    const rows = meter.snapshot().rows.map((row) => [row.minute, row.account, row.keyId, row.route, row.status, row.code, row.owner, row.count]);
    expect(rows).toEqual([
      [minute, 'a1', 'k1', 'rows', 200, '', '', 3],
      [minute, 'a1', 'k2', 'rows', 200, '', '', 1],
      [minute, 'a1', 'k1', 'rows', 429, 'rate_limited', 'capacity', 1],
      [minute, 'a1', 'k1', 'rows', 418, '', 'upstream', 1],
      [minute, '', '', 'rows', 401, 'authentication_required', 'client', 1],
      [minute, '', '', 'rows', 499, '', 'client', 1],
    ]);
  });

  it('starts a new row when the clock passes into the next minute', () => {
    const clock = new StepClock();
    const meter = new UsageMeter(clock, 1000, 10);
    meter.record(answered({ status: 200, route: 'rows' }));
    clock.at += 60_000;
    meter.record(answered({ status: 200, route: 'rows' }));
    meter.record(answered({ status: 200, route: 'rows' }));
    expect(meter.snapshot().rows.map((row) => [row.minute, row.count])).toEqual([
      [minute, 1],
      [minute + 60_000, 2],
    ]);
  });

  it('latency: one histogram per route and one for all routes (route \'\'), a request no route matched in the latter only', () => {
    const meter = new UsageMeter(new StepClock(), 1000, 10);
    meter.record(answered({ status: 200, route: 'rows', tookMs: 30 }));
    meter.record(answered({ status: 404, code: 'not_found', tookMs: 30 }));
    const latency = meter.snapshot().latency;
    const bucket = bucketIndex(30);
    expect(latency.map((row) => [row.route, row.buckets[bucket], row.buckets.reduce((sum, count) => sum + count, 0)])).toEqual([
      ['', 2, 2],
      ['rows', 1, 1],
    ]);
  });

  it('bucketIndex: a value on a bound is in that bound\'s bucket; above the last, in the overflow bucket', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(1)).toBe(0);
    expect(bucketIndex(1.5)).toBe(1);
    expect(bucketIndex(30_000)).toBe(13);
    expect(bucketIndex(30_001)).toBe(14);
  });

  it('ownerOf: catalog owner for a code, upstream for an uncatalogued error, none for a success', () => {
    expect(ownerOf(200, '')).toBe('');
    expect(ownerOf(503, 'maintenance')).toBe('gateway');
    expect(ownerOf(502, '')).toBe('upstream');
    expect(ownerOf(499, '')).toBe('client');
  });

  it('keeps the recent error answers with their path but not their query string', () => {
    const meter = new UsageMeter(new StepClock(), 1000, 10);
    meter.record(answered({ status: 200, account: 'a1', route: 'rows' }));
    meter.record(answered({ status: 418, account: 'a1', route: 'rows', url: '/rows?api_key=secret' }));
    expect(meter.snapshot().errors).toEqual([
      { at: minute + 30_000, correlationId: 'c-418', account: 'a1', keyId: 'k', route: 'rows', method: 'GET', path: '/rows', status: 418, code: '' },
    ]);
  });

  it('take hands everything over and starts empty; restore adds a failed batch back to what came since', () => {
    const meter = new UsageMeter(new StepClock(), 1000, 10);
    meter.record(answered({ status: 200, route: 'rows' }));
    meter.record(answered({ status: 500, route: 'rows', code: 'internal_error' }));
    const batch = meter.take();
    expect(meter.empty).toBe(true);
    expect(batch.rows.map((row) => row.count)).toEqual([1, 1]);
    meter.record(answered({ status: 200, route: 'rows' }));
    meter.restore(batch);
    meter.record(answered({ status: 200, route: 'rows' }));
    const held = meter.snapshot();
    expect(held.rows.map((row) => [row.status, row.count])).toEqual([
      [200, 3],
      [500, 1],
    ]);
    expect(held.latency.find((row) => row.route === '')?.buckets.reduce((sum, count) => sum + count, 0)).toBe(4);
    expect(held.errors).toHaveLength(1);
  });

  it('memory bound: past maxRows rows, new combinations are dropped and counted, held ones keep adding up', () => {
    // Five rows: the all-routes latency, then a usage row and a latency row for each of a and b.
    const meter = new UsageMeter(new StepClock(), 5, 3);
    meter.record(answered({ status: 200, route: 'a' }));
    meter.record(answered({ status: 200, route: 'b' }));
    meter.record(answered({ status: 200, route: 'c' }));
    meter.record(answered({ status: 200, route: 'a' }));
    expect(meter.snapshot().rows.map((row) => [row.route, row.count])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(meter.dropped).toBe(1);
  });

  it('memory bound: rows taken by a flush still count until it is written; a failed one gives them back within the bound', () => {
    // Five rows: the all-routes latency, then a usage row and a latency row for each of a and b.
    const meter = new UsageMeter(new StepClock(), 5, 3);
    meter.record(answered({ status: 200, route: 'a' }));
    meter.record(answered({ status: 200, route: 'b' }));
    const batch = meter.take();
    // While that write is out (a store that is down answers late), new combinations do not fit.
    meter.record(answered({ status: 200, route: 'c' }));
    meter.record(answered({ status: 200, route: 'd' }));
    meter.restore(batch);
    expect(meter.snapshot().rows.map((row) => row.route)).toEqual(['a', 'b']);
    expect(meter.dropped).toBe(2);
    // Once a batch is written, its room is free again.
    meter.take();
    meter.written();
    meter.record(answered({ status: 200, route: 'c' }));
    expect(meter.snapshot().rows.map((row) => row.route)).toEqual(['c']);
  });

  it('memory bound: at most twice maxErrors recent errors are held, the newest kept', () => {
    const meter = new UsageMeter(new StepClock(), 1000, 3);
    for (let i = 0; i < 10; i++) meter.record(answered({ status: 400 + i, route: 'a' }));
    const errors = meter.snapshot().errors;
    expect(errors.length).toBeLessThan(6);
    expect(errors.at(-1)?.status).toBe(409);
  });
});
