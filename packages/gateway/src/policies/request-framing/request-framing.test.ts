import { describe, expect, it } from 'vitest';
import { configOf, policyContext, type RequestShape } from '../../../test/helpers/policy-context.js';
import { PortierError } from '../../errors/portier-error.js';
import { phrase } from '../../errors/param-phrases.js';
import { requestFramingStage } from './index.js';

const minimal = "upstreams: { app: { url: 'http://127.0.0.1:9' } }\nroutes: [{ id: r, path: /r, upstream: app }]";

const policy = requestFramingStage.create(true, undefined);

function frame(shape: RequestShape): { decision: ReturnType<typeof policy.handle>; continuePending: boolean } {
  const ctx = policyContext(shape);
  return { decision: policy.handle(ctx), continuePending: ctx.continuePending };
}

describe('request-framing policy', () => {
  it('request-framing: runs on every request, answering bad_request or expectation_failed', () => {
    const config = configOf(minimal);
    expect(requestFramingStage.settingsOf(config)).toBe(true);
    expect(requestFramingStage.codes(true, config)).toEqual(['bad_request', 'expectation_failed']);
  });

  it('request-framing: admits HTTP/1.1 with exactly one Host', () => {
    expect(frame({ headers: { host: 'example.com' } })).toEqual({ decision: undefined, continuePending: false });
    expect(frame({ headers: { Host: 'example.com' }, rawHeaders: ['HOST', 'example.com', 'Hosts', 'x'] }).decision).toBeUndefined();
    // Other names of four letters are not Host.
    expect(frame({ headers: { host: 'example.com' }, rawHeaders: ['Date', 'today', 'host', 'example.com', 'From', 'a@b.c'] }).decision).toBeUndefined();
  });

  it('request-framing: HTTP/1.1 without Host is 400 bad_request saying it is missing', () => {
    const { decision } = frame({ headers: {}, rawHeaders: ['X-Host', 'a', 'Hostname', 'b'] });
    expect(decision).toBeInstanceOf(PortierError);
    expect((decision as PortierError).code).toBe('bad_request');
    expect((decision as PortierError).params).toEqual({ reason: phrase('hostMissing') });
  });

  it('request-framing: HTTP/1.1 with two Host lines is 400 bad_request saying it is repeated', () => {
    const { decision } = frame({ headers: { host: 'a' }, rawHeaders: ['Host', 'a', 'host', 'b'] });
    expect((decision as PortierError).code).toBe('bad_request');
    expect((decision as PortierError).params).toEqual({ reason: phrase('hostRepeated') });
  });

  it('request-framing: other HTTP versions are not checked for Host or Expect', () => {
    expect(frame({ headers: { expect: 'teapot' }, rawHeaders: [], httpVersion: [1, 0] })).toEqual({ decision: undefined, continuePending: false });
    expect(frame({ headers: {}, rawHeaders: [], httpVersion: [2, 1] }).decision).toBeUndefined();
  });

  it('request-framing: an Expect other than 100-continue is 417 expectation_failed', () => {
    const { decision } = frame({ headers: { host: 'a', expect: '200-ok' } });
    expect((decision as PortierError).code).toBe('expectation_failed');
    expect(frame({ headers: { host: 'a', expect: 'x100-continue' } }).decision).toBeInstanceOf(PortierError);
  });

  it('request-framing: a Transfer-Encoding other than chunked alone is 400 bad_request naming the header, on any HTTP version', () => {
    for (const coding of ['gzip, chunked', 'deflate,chunked', 'chunked, gzip', 'identity', '']) {
      const { decision } = frame({ headers: { host: 'a', 'transfer-encoding': coding } });
      expect((decision as PortierError).code, coding).toBe('bad_request');
      expect((decision as PortierError).params, coding).toEqual({ reason: phrase('httpTransferEncoding') });
    }
    expect((frame({ headers: { 'transfer-encoding': 'gzip, chunked' }, rawHeaders: [], httpVersion: [1, 0] }).decision as PortierError).code).toBe('bad_request');
    expect(frame({ headers: { host: 'a', 'transfer-encoding': 'chunked' } }).decision).toBeUndefined();
    expect(frame({ headers: { host: 'a', 'transfer-encoding': ' Chunked\t' } }).decision).toBeUndefined();
  });

  it('request-framing: Expect: 100-continue is noted on ctx, not answered', () => {
    expect(frame({ headers: { host: 'a', expect: '100-Continue' } })).toEqual({ decision: undefined, continuePending: true });
    expect(frame({ headers: { host: 'a', expect: 'foo, 100-continue' } })).toEqual({ decision: undefined, continuePending: true });
  });
});
