import { describe, expect, it } from 'vitest';
import { parseIdempotencyKey } from '../src/policies/idempotency/parse-idempotency-key.js';
import { backoffDelay } from '../src/operations/backoff.js';

describe('Idempotency-Key header', () => {
  it('idempotency: accepts the quoted form of the IETF draft, with escapes, and the bare form Stripe and Codat send', () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toEqual({ key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toEqual({ key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(parseIdempotencyKey('  "a\\\\b\\"c"  ')).toEqual({ key: 'a\\b"c' });
  });

  it('idempotency: says why a value cannot be used', () => {
    expect(parseIdempotencyKey('')).toEqual({ reason: 'it is empty' });
    expect(parseIdempotencyKey('""')).toEqual({ reason: 'it is empty' });
    expect(parseIdempotencyKey(['a', 'b'])).toEqual({ reason: 'it was sent more than once' });
    expect(parseIdempotencyKey('"abc')).toEqual({ reason: 'its opening quote is not closed' });
    expect(parseIdempotencyKey('"a\\x"')).toEqual({ reason: 'it has an invalid escape' });
    expect(parseIdempotencyKey('clé')).toEqual({ reason: 'it holds characters outside printable ASCII' });
    expect(parseIdempotencyKey('k'.repeat(256))).toEqual({ reason: 'it is longer than 255 characters' });
    expect(parseIdempotencyKey('k'.repeat(255))).toEqual({ key: 'k'.repeat(255) });
  });
});

describe('operation retry backoff', () => {
  const settings = { baseDelayMs: 1000, maxDelayMs: 60_000 };

  it('backoff: doubles the ceiling per attempt up to the cap, with full jitter below it', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, settings, undefined, () => 0.999999))).toEqual([999, 1999, 3999, 7999]);
    expect(backoffDelay(30, settings, undefined, () => 0.5)).toBe(30_000);
    expect(backoffDelay(3, settings, undefined, () => 0)).toBe(0);
  });

  it('backoff: never waits less than the upstream asked for', () => {
    expect(backoffDelay(1, settings, 5000, () => 0.5)).toBe(5000);
    expect(backoffDelay(8, settings, 5000, () => 0.5)).toBe(30_000);
  });
});
