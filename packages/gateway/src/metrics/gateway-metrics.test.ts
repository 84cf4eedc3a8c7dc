import { describe, expect, it } from 'vitest';
import { policyContext } from '../../test/helpers/policy-context.js';
import type { ErrorCode } from '../errors/catalog.js';
import type { CompiledRoute } from '../pipeline/compiled-route.js';
import type { ResponseSink } from '../pipeline/exchange.js';
import type { CounterBackend } from '../policies/rate-limit/shared-counters.js';
import { GatewayMetrics } from './gateway-metrics.js';

function metrics(): GatewayMetrics {
  const counters = { status: () => ({ available: true, fallbackDecisions: 0 }) } as unknown as CounterBackend;
  return new GatewayMetrics({ counters, upstreams: new Map(), operations: undefined, clock: { now: () => 0 } });
}

/** A finished request as the pipeline hands it over: outcome settled. */
function request(route: string | undefined, method: string, status: number, tookMs: number, code?: ErrorCode): Parameters<GatewayMetrics['observe']>[0] {
  const res = { headersSent: true, statusCode: status } as unknown as ResponseSink;
  const ctx = policyContext({ method }, res);
  if (route !== undefined) ctx.route = { id: route } as CompiledRoute;
  if (code !== undefined) ctx.errorCode = code;
  ctx.settle(ctx.startedAt + tookMs);
  return ctx;
}

/** The lines of one metric family, in the order they are exposed. */
function lines(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('gateway metrics', () => {
  it('counts requests by route, method and status, and errors by code, in the order first seen, across scrapes', async () => {
    const m = metrics();
    m.observe(request('rows', 'GET', 200, 1));
    m.observe(request('quote', 'POST', 429, 1, 'rate_limited'));
    m.observe(request('rows', 'GET', 200, 1));
    m.observe(request(undefined, 'GET', 404, 1, 'not_found'));
    m.observe(request('rows', 'DELETE', 200, 1));
    m.observe(request('quote', 'POST', 429, 1, 'rate_limited'));
    const first = await m.text();
    expect(lines(first, 'portier_requests_total')).toEqual([
      'portier_requests_total{route="rows",method="GET",status="200"} 2',
      'portier_requests_total{route="quote",method="POST",status="429"} 2',
      'portier_requests_total{route="(none)",method="GET",status="404"} 1',
      'portier_requests_total{route="rows",method="DELETE",status="200"} 1',
    ]);
    expect(lines(first, 'portier_errors_total')).toEqual(['portier_errors_total{code="rate_limited"} 2', 'portier_errors_total{code="not_found"} 1']);
    m.observe(request('rows', 'GET', 500, 1, 'internal_error'));
    m.observe(request('rows', 'GET', 200, 1));
    const second = await m.text();
    expect(lines(second, 'portier_requests_total')).toEqual([
      'portier_requests_total{route="rows",method="GET",status="200"} 3',
      'portier_requests_total{route="quote",method="POST",status="429"} 2',
      'portier_requests_total{route="(none)",method="GET",status="404"} 1',
      'portier_requests_total{route="rows",method="DELETE",status="200"} 1',
      'portier_requests_total{route="rows",method="GET",status="500"} 1',
    ]);
    expect(lines(second, 'portier_errors_total')).toEqual([
      'portier_errors_total{code="rate_limited"} 2',
      'portier_errors_total{code="not_found"} 1',
      'portier_errors_total{code="internal_error"} 1',
    ]);
    // A scrape with nothing new counted shows the same figures.
    expect(lines(await m.text(), 'portier_requests_total')).toEqual(lines(second, 'portier_requests_total'));
  });

  it('observes the settled total time, in seconds, per route', async () => {
    const m = metrics();
    m.observe(request('rows', 'GET', 200, 0.7));
    m.observe(request('rows', 'GET', 200, 40));
    m.observe(request(undefined, 'GET', 404, 3));
    const text = await m.text();
    expect(lines(text, 'portier_request_duration_seconds_bucket')).toContain('portier_request_duration_seconds_bucket{le="0.001",route="rows"} 1');
    expect(lines(text, 'portier_request_duration_seconds_bucket')).toContain('portier_request_duration_seconds_bucket{le="0.05",route="rows"} 2');
    expect(lines(text, 'portier_request_duration_seconds_count')).toEqual(['portier_request_duration_seconds_count{route="rows"} 2', 'portier_request_duration_seconds_count{route="(none)"} 1']);
    const [sum] = lines(text, 'portier_request_duration_seconds_sum');
    expect(Number(sum?.split(' ')[1])).toBeCloseTo(0.0407, 10);
    expect(text).toContain('# TYPE portier_request_duration_seconds histogram');
  });
});
