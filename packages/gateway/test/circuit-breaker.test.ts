import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../src/policies/proxy/circuit-breaker.js';
import { ManualClock } from './helpers/gateway.js';

function breakerWithLog(threshold = 2, openMs = 10_000): { breaker: CircuitBreaker; clock: ManualClock; events: string[] } {
  const clock = new ManualClock();
  const events: string[] = [];
  const breaker = new CircuitBreaker({ failureThreshold: threshold, openMs }, clock, {
    opened: (failures) => events.push(`opened after ${failures}`),
    closed: () => events.push('closed'),
  });
  return { breaker, clock, events };
}

describe('CircuitBreaker', () => {
  it('circuit breaker: stays closed one failure below the threshold and opens at it', () => {
    const { breaker, events } = breakerWithLog(3);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    expect(breaker.admit().waitSeconds).toBe(0);
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.admit()).toEqual({ waitSeconds: 10, trial: false });
    expect(events).toEqual(['opened after 3']);
    expect(breaker.opens).toBe(1);
  });

  it('circuit breaker: a success between failures resets the count', () => {
    const { breaker } = breakerWithLog(2);
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
  });

  it('circuit breaker: late failures while open neither extend it nor count as another opening', () => {
    const { breaker, clock, events } = breakerWithLog(2);
    breaker.recordFailure();
    breaker.recordFailure();
    clock.advance(4000);
    breaker.recordFailure();
    expect(breaker.admit().waitSeconds).toBe(6);
    expect(events).toEqual(['opened after 2']);
  });

  it('circuit breaker: admits exactly one trial when half-open, and a released trial lets the next one go', () => {
    const { breaker, clock } = breakerWithLog(1);
    breaker.recordFailure();
    clock.advance(10_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.admit()).toEqual({ waitSeconds: 0, trial: true });
    expect(breaker.admit()).toEqual({ waitSeconds: 1, trial: false });
    breaker.releaseTrial();
    expect(breaker.admit()).toEqual({ waitSeconds: 0, trial: true });
  });

  it('circuit breaker: a successful trial closes it, a failed one reopens it and counts another opening', () => {
    const { breaker, clock, events } = breakerWithLog(1);
    breaker.recordFailure();
    clock.advance(10_000);
    breaker.admit();
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.opens).toBe(2);
    clock.advance(10_000);
    breaker.admit();
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(events).toEqual(['opened after 1', 'opened after 2', 'closed']);
  });
});
