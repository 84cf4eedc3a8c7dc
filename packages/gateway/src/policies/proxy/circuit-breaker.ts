import type { Clock } from '../../clock.js';

export interface CircuitBreakerOptions {
  readonly failureThreshold: number;
  readonly openMs: number;
}

/**
 * Consecutive-failure breaker for one upstream. Closed: everything passes. After `failureThreshold`
 * failures in a row it opens for `openMs`; then one trial request is let through (half-open), and its
 * outcome closes or reopens the breaker.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly clock: Clock,
  ) {}

  /** Returns 0 when the request may go, else the seconds until the breaker lets a trial through. */
  admit(): number {
    if (this.failures < this.options.failureThreshold) return 0;
    const now = this.clock.now();
    if (now < this.openUntil) return Math.max(1, Math.ceil((this.openUntil - now) / 1000));
    if (this.trialInFlight) return 1;
    this.trialInFlight = true;
    return 0;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.trialInFlight = false;
  }

  recordFailure(): void {
    this.failures++;
    if (this.failures >= this.options.failureThreshold) {
      this.openUntil = this.clock.now() + this.options.openMs;
      this.trialInFlight = false;
    }
  }

  /** Frees the trial slot when a trial request ended without telling anything about the upstream. */
  releaseTrial(): void {
    this.trialInFlight = false;
  }

  get isOpen(): boolean {
    return this.failures >= this.options.failureThreshold;
  }
}
