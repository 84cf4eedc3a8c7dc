import { describe, expect, it } from 'vitest';
import { backoffDelay, isPortierError, parseErrorBody, parseRetryAfter, parseRetryAfterMs, readRateLimit } from '../src/index.js';
import { isRetryableStatus, serverRetryDelayMs } from '../src/retry-policy.js';
import { redactBody, redactHeaders, redactUrl } from '../src/redact.js';

const now = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('backoff', () => {
  it('client backoff: full jitter under a ceiling that doubles per retry and stops at the cap', () => {
    const settings = { initialDelayMs: 500, maxDelayMs: 8000 };
    const top = (retry: number): number => backoffDelay(retry, settings, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([499, 999, 1999, 3999, 7999, 7999]);
    expect(backoffDelay(3, settings, () => 0)).toBe(0);
    expect(backoffDelay(1000, settings, () => 0.5)).toBe(4000);
    expect(backoffDelay(0, settings, () => 0.5)).toBe(250);
  });
});

describe('server hints', () => {
  it('client headers: reads Retry-After as seconds or an HTTP date, and refuses malformed or negative values', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 22 Nov 2026 12:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Sun, 22 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('99999999999', now)).toBe(86_400);
    for (const bad of ['-5', '1.5', 'soon', '', '2026-11-22T12:00:30Z', undefined]) expect(parseRetryAfter(bad, now)).toBeUndefined();
  });

  it('client headers: reads retry-after-ms and prefers it to Retry-After, then the RateLimit reset on a 429', () => {
    expect(parseRetryAfterMs('250')).toBe(250);
    expect(parseRetryAfterMs('12.2')).toBe(13);
    expect(parseRetryAfterMs('-1')).toBeUndefined();
    expect(serverRetryDelayMs(503, { 'retry-after-ms': '250', 'retry-after': '9' }, undefined, now)).toBe(250);
    expect(serverRetryDelayMs(503, { 'retry-after': '9' }, undefined, now)).toBe(9000);
    const rateLimit = readRateLimit({ ratelimit: '"minute";r=0;t=17' }, now);
    expect(serverRetryDelayMs(429, {}, rateLimit, now)).toBe(17_000);
    expect(serverRetryDelayMs(503, {}, rateLimit, now)).toBeUndefined();
  });

  it('client headers: reads the IETF RateLimit pair and both legacy sets', () => {
    expect(readRateLimit({ 'ratelimit-policy': '"minute";q=300;w=60, "day";q=5000;w=86400', ratelimit: '"minute";r=12;t=30' }, now)).toEqual({
      policies: [
        { name: 'minute', quota: 300, windowSeconds: 60 },
        { name: 'day', quota: 5000, windowSeconds: 86400 },
      ],
      name: 'minute',
      remaining: 12,
      resetSeconds: 30,
    });
    const epoch = Math.floor(now / 1000) + 42;
    expect(readRateLimit({ 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '7', 'x-ratelimit-reset': String(epoch) }, now)).toMatchObject({ remaining: 7, resetSeconds: 42 });
    expect(readRateLimit({ 'x-rate-limit-limit': '1000', 'x-rate-limit-remaining': '999', 'x-rate-limit-reset': 'Sun, 22 Nov 2026 12:01:00 GMT' }, now)).toMatchObject({
      policies: [{ name: 'default', quota: 1000, windowSeconds: undefined }],
      remaining: 999,
      resetSeconds: 60,
    });
    expect(readRateLimit({}, now)).toBeUndefined();
    expect(readRateLimit({ ratelimit: 'garbage;;;r=x' }, now)).toMatchObject({ remaining: undefined, resetSeconds: undefined });
  });
});

describe('retry decisions', () => {
  it('client retries: 408, 429, 502-504 always; 409 only when marked retryable; 500 only when repeating is safe; the server header wins', () => {
    for (const status of [408, 429, 502, 503, 504]) expect(isRetryableStatus(status, 'POST', false, {}, undefined)).toBe(true);
    expect(isRetryableStatus(409, 'POST', true, {}, parseErrorBody('{"title":"x","status":409,"retryable":true}'))).toBe(true);
    expect(isRetryableStatus(409, 'POST', true, {}, parseErrorBody('{"title":"x","status":409,"retryable":false}'))).toBe(false);
    // A body without the flag: the catalog code decides (a Codat body carries no code).
    expect(isRetryableStatus(409, 'POST', true, {}, parseErrorBody('{"title":"x","status":409,"code":"resource_not_ready"}'))).toBe(true);
    expect(isRetryableStatus(409, 'POST', true, {}, parseErrorBody('{"title":"x","status":409,"code":"key_limit_reached"}'))).toBe(false);
    expect(isRetryableStatus(500, 'GET', false, {}, undefined)).toBe(true);
    expect(isRetryableStatus(500, 'POST', false, {}, undefined)).toBe(false);
    expect(isRetryableStatus(500, 'POST', true, {}, undefined)).toBe(true);
    expect(isRetryableStatus(400, 'GET', false, {}, undefined)).toBe(false);
    expect(isRetryableStatus(400, 'GET', false, { 'x-should-retry': 'true' }, undefined)).toBe(true);
    expect(isRetryableStatus(503, 'GET', false, { 'x-should-retry': 'false' }, undefined)).toBe(false);
  });
});

describe('error bodies', () => {
  it('client errors: parses problem+json, Codat, Braze and SeaTable bodies', () => {
    expect(parseErrorBody('{"type":"/docs/errors#rate_limited","title":"Too many requests","status":429,"detail":"d","code":"rate_limited","correlationId":"c1","retryable":true,"errors":[{"pointer":"/a","message":"m","rule":"r"}]}')).toMatchObject({
      shape: 'problem',
      code: 'rate_limited',
      correlationId: 'c1',
      retryable: true,
      items: [{ pointer: '/a', message: 'm', rule: 'r' }],
    });
    expect(parseErrorBody('{"statusCode":404,"service":"PublicApi","error":"Invoice not found","correlationId":"c2","canBeRetried":"False","validation":{"errors":[{"itemId":"x","message":"bad","validatorName":"v"}],"warnings":[]}}')).toMatchObject({
      shape: 'codat',
      detail: 'Invoice not found',
      correlationId: 'c2',
      service: 'PublicApi',
      retryable: false,
      items: [{ pointer: 'x', message: 'bad', rule: 'v' }],
    });
    expect(parseErrorBody('{"message":"Invalid Campaign ID","errors":["campaign_id is invalid"]}')).toMatchObject({ shape: 'braze', detail: 'Invalid Campaign ID', items: [{ message: 'campaign_id is invalid' }] });
    expect(parseErrorBody('{"error_msg":"Row not found"}')).toMatchObject({ shape: 'seatable', detail: 'Row not found' });
    expect(parseErrorBody('{"detail":"Invalid token."}')).toMatchObject({ shape: 'seatable', detail: 'Invalid token.' });
    expect(parseErrorBody('<html>Bad Gateway</html>')).toMatchObject({ shape: 'unknown', detail: '<html>Bad Gateway</html>' });
    expect(parseErrorBody('')).toMatchObject({ shape: 'unknown', detail: undefined });
  });

  it('client errors: isPortierError recognises an error of another copy of the package by its registered brand', () => {
    const foreign = { [Symbol.for('@portier/client.error')]: true, status: 429 };
    expect(isPortierError(foreign)).toBe(true);
    expect(isPortierError(new Error('x'))).toBe(false);
    expect(isPortierError(null)).toBe(false);
  });
});

describe('redaction', () => {
  it('client reports: removes keys, tokens and passwords from headers, URLs and JSON bodies', () => {
    expect(redactHeaders({ authorization: 'Bearer pt_live_x', 'x-api-key': 'k', cookie: 'c', 'content-type': 'application/json' })).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      cookie: '[redacted]',
      'content-type': 'application/json',
    });
    expect(redactUrl('https://user:pw@api.example.com/v1?api_key=abc&page=2')).toBe('https://api.example.com/v1?api_key=%5Bredacted%5D&page=2');
    // A key under a neutral name, its underscores percent-encoded, is still a key.
    expect(redactUrl('https://api.example.com/v1?q=pt%5Flive%5Fabc123%5Fdef&page=2')).toBe('https://api.example.com/v1?q=[redacted]&page=2');
    expect(redactUrl('https://api.example.com/v1?q=pt%5flive%5fabc123')).toBe('https://api.example.com/v1?q=[redacted]');
    expect(redactBody('{"name":"a","nested":{"password":"p","token":"t"},"list":[{"secret":"s"}]}')).toBe(
      JSON.stringify({ name: 'a', nested: { password: '[redacted]', token: '[redacted]' }, list: [{ secret: '[redacted]' }] }, null, 2),
    );
  });
});
