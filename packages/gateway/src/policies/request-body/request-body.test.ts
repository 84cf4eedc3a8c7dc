import { describe, expect, it } from 'vitest';
import { configOf, policyContext, recordingResponse } from '../../../test/helpers/policy-context.js';
import { builtInSpec, configuredSpec } from '../../pipeline/compile-routes.js';
import { builtInRoutesOf } from '../../routes/built-in-routes.js';
import { PortierError } from '../../errors/portier-error.js';
import { requestBodyStage } from './index.js';
import { readRequestBody } from './read-request-body.js';
import { continueSent, expectsContinue } from './expect-continue.js';
import { BodySizeLimiter } from './limit-body-stream.js';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const config = configOf(`
server: { maxBodyBytes: 100 }
upstreams: { app: { url: 'http://127.0.0.1:9' } }
routes:
  - { id: small, path: /small, upstream: app, maxBodyBytes: 10 }
  - { id: default, path: /default, upstream: app }
`);

function policyFor(routeId: string) {
  const route = config.routes.find((candidate) => candidate.id === routeId);
  if (route === undefined) throw new Error(routeId);
  const settings = requestBodyStage.settingsOf(configuredSpec(route, config), config);
  if (settings === undefined) throw new Error('configured routes have a body cap');
  return { settings, policy: requestBodyStage.create(settings, undefined) };
}

describe('request-body policy', () => {
  it('request-body: a configured route gets its own cap or the server default; built-in routes are left out', () => {
    expect(policyFor('small').settings).toEqual({ maxBodyBytes: 10 });
    expect(policyFor('default').settings).toEqual({ maxBodyBytes: 100 });
    for (const builtIn of builtInRoutesOf(config)) expect(requestBodyStage.settingsOf(builtInSpec(builtIn), config), builtIn.id).toBeUndefined();
    expect(requestBodyStage.codes({ maxBodyBytes: 10 }, config)).toEqual(['payload_too_large']);
  });

  it('request-body: admits a declared length up to the cap, and a body with no declared length', () => {
    const { policy } = policyFor('small');
    expect(policy.handle(policyContext({ method: 'POST', headers: { 'content-length': '10' } }))).toBeUndefined();
    expect(policy.handle(policyContext({ method: 'POST', headers: { 'transfer-encoding': 'chunked' } }))).toBeUndefined();
  });

  it('request-body: a declared length over the cap is 413 payload_too_large with the limit, closing the connection', () => {
    const decision = policyFor('small').policy.handle(policyContext({ method: 'POST', headers: { 'content-length': '11' } }));
    expect(decision).toBeInstanceOf(PortierError);
    const error = decision as PortierError;
    expect(error.code).toBe('payload_too_large');
    expect(error.params).toEqual({ limitBytes: 10 });
    expect(error.headers).toEqual({ Connection: 'close' });
  });

  it('request-body: readRequestBody keeps the whole body on ctx, up to the cap exactly', async () => {
    const ctx = policyContext({ method: 'POST', body: ['hello', ' ', 'you!!'] });
    expect(await readRequestBody(ctx, 11)).toBeUndefined();
    expect(ctx.body?.toString()).toBe('hello you!!');
  });

  it('request-body: readRequestBody refuses past the cap with 413 and keeps no body', async () => {
    const ctx = policyContext({ method: 'POST', body: ['hello', ' ', 'world!'] });
    const error = await readRequestBody(ctx, 11);
    expect(error?.code).toBe('payload_too_large');
    expect(error?.params).toEqual({ limitBytes: 11 });
    expect(error?.headers).toEqual({ Connection: 'close' });
    expect(ctx.body).toBeUndefined();
  });

  it('request-body: readRequestBody reads once, and tells a client waiting on 100-continue to send', async () => {
    const { res, written } = recordingResponse();
    const ctx = policyContext({ method: 'POST', body: 'abc' }, res);
    ctx.continuePending = true;
    expect(await readRequestBody(ctx, 10)).toBeUndefined();
    expect(ctx.continuePending).toBe(false);
    expect(written().headers).toEqual([':continue', '100']);
    ctx.body = Buffer.from('kept');
    expect(await readRequestBody(ctx, 1)).toBeUndefined();
    expect(ctx.body.toString()).toBe('kept');
  });

  it('request-body: a 100 Continue Node already sent (no checkContinue listener, as under an app) is not sent again', async () => {
    const { res, written } = recordingResponse();
    (res as { _sent100?: boolean })._sent100 = true;
    expect(continueSent(res)).toBe(true);
    const ctx = policyContext({ method: 'POST', body: 'abc' }, res);
    ctx.continuePending = true;
    expect(await readRequestBody(ctx, 10)).toBeUndefined();
    expect(ctx.continuePending).toBe(false);
    expect(written().headers).toEqual([]);
    expect(continueSent(recordingResponse().res)).toBe(false);
  });

  it('request-body: the policy is named for its stage', () => {
    expect(policyFor('small').policy.name).toBe('request-body');
  });

  it('request-body: expectsContinue is true only for HTTP/1.1 with an Expect naming 100-continue', () => {
    expect(expectsContinue(policyContext({ headers: { expect: '100-continue' } }).req)).toBe(true);
    expect(expectsContinue(policyContext({ headers: {} }).req)).toBe(false);
    expect(expectsContinue(policyContext({ headers: { expect: 'something-else' } }).req)).toBe(false);
    expect(expectsContinue(policyContext({ headers: { expect: '100-continue' }, httpVersion: [1, 0] }).req)).toBe(false);
    expect(expectsContinue(policyContext({ headers: { expect: '100-continue' }, httpVersion: [2, 1] }).req)).toBe(false);
    expect(expectsContinue(policyContext({ headers: { expect: '100-continue' }, httpVersion: [0, 1] }).req)).toBe(false);
  });

  it('request-body: BodySizeLimiter passes a body up to the cap and fails one byte over it', async () => {
    const passed: Buffer[] = [];
    const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of source) passed.push(chunk);
    };
    const within = new BodySizeLimiter(6);
    await pipeline(Readable.from([Buffer.from('abc'), Buffer.from('def')]), within, collect);
    expect(Buffer.concat(passed).toString()).toBe('abcdef');
    expect(within.exceeded).toBe(false);
    const over = new BodySizeLimiter(5);
    await expect(pipeline(Readable.from([Buffer.from('abc'), Buffer.from('def')]), over, collect)).rejects.toThrow('request body over the size limit');
    expect(over.exceeded).toBe(true);
  });
});
