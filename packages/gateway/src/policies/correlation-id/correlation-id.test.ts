import { describe, expect, it } from 'vitest';
import { configOf, policyContext } from '../../../test/helpers/policy-context.js';
import { correlationIdStage } from './index.js';
import { resolveCorrelationId } from './resolve-correlation-id.js';

const minimal = "upstreams: { app: { url: 'http://127.0.0.1:9' } }\nroutes: [{ id: r, path: /r, upstream: app }]";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const parentId = '00f067aa0ba902b7';

function assign(headers: Record<string, string>, yaml = minimal): string {
  const config = configOf(yaml);
  const policy = correlationIdStage.create(correlationIdStage.settingsOf(config) as { header: string }, undefined);
  const ctx = policyContext({ headers });
  expect(policy.handle(ctx)).toBeUndefined();
  return ctx.correlationId;
}

describe('correlation-id policy', () => {
  it('correlation-id: runs on every request, reads the configured header in lower case, and answers with no error code', () => {
    const config = configOf(`${minimal}\ncorrelation: { header: X-Request-ID }`);
    expect(correlationIdStage.settingsOf(config)).toEqual({ header: 'x-request-id' });
    expect(correlationIdStage.codes({ header: 'x-request-id' }, config)).toEqual([]);
    expect(correlationIdStage.create({ header: 'x-request-id' }, undefined).name).toBe('correlation-id');
    expect(assign({ 'x-request-id': 'req-1' }, `${minimal}\ncorrelation: { header: X-Request-ID }`)).toBe('req-1');
  });

  it('correlation-id: keeps a safe incoming ID as it is', () => {
    expect(assign({ 'x-correlation-id': 'abc.DEF_1:2-3' })).toBe('abc.DEF_1:2-3');
    expect(assign({ 'x-correlation-id': 'a'.repeat(128) })).toBe('a'.repeat(128));
  });

  it('correlation-id: replaces an unsafe or overlong ID with a new UUID, never echoing it', () => {
    for (const unsafe of ['bad id', '-leading', 'a'.repeat(129), 'x\r\nSet-Cookie: y', '']) {
      const id = assign({ 'x-correlation-id': unsafe });
      expect(id).toMatch(uuid);
    }
  });

  it('correlation-id: takes the trace-id of a valid traceparent when no ID came', () => {
    expect(assign({ traceparent: `00-${traceId}-${parentId}-01` })).toBe(traceId);
    expect(assign({ 'x-correlation-id': 'mine', traceparent: `00-${traceId}-${parentId}-01` })).toBe('mine');
    expect(assign({ 'x-correlation-id': 'not safe', traceparent: `00-${traceId}-${parentId}-01` })).toBe(traceId);
  });

  it('correlation-id: ignores a traceparent of version ff, all-zero IDs or a wrong shape', () => {
    for (const traceparent of [
      `ff-${traceId}-${parentId}-01`,
      `00-${'0'.repeat(32)}-${parentId}-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${parentId}-01`,
      `00-${traceId}-${parentId}`,
      `x00-${traceId}-${parentId}-01`,
      `00-${traceId}-${parentId}-01x`,
    ]) {
      expect(resolveCorrelationId(undefined, traceparent)).toMatch(uuid);
    }
  });

  it('correlation-id: a new ID each time none can be kept', () => {
    expect(resolveCorrelationId(undefined, undefined)).not.toBe(resolveCorrelationId(undefined, undefined));
  });
});
