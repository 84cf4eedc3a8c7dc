import type { Clock } from '../../clock.js';

export interface CircuitBreakerOptions {
  readonly failureThreshold: number;
  readonly openMs: number;
}

/** closed: everything passes; open: nothing does; half-open: the open time is over, one trial may go. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Told when the breaker opens (after `failures` in a row) or closes again. */
export interface CircuitListener {
  opened(failures: number, openMs: number): void;
  closed(): void;
}

/** The breaker's answer to one request: `waitSeconds` 0 lets it go; `trial` when it is the half-open trial. */
export interface Admission {
  readonly waitSeconds: number;
  readonly trial: boolean;
}

const admitted: Admission = { waitSeconds: 0, trial: false };
const trialAdmitted: Admission = { waitSeconds: 0, trial: true };
const trialBusy: Admission = { waitSeconds: 1, trial: false };

/**
 * Consecutive-failure breaker for one upstream. Closed: everything passes. After `failureThreshold`
 * failures in a row it opens for `openMs`; then exactly one trial request is let through (half-open),
 * and its outcome closes or reopens the breaker. Every request admitted while half-open must end in
 * `recordSuccess`, `recordFailure` or `releaseTrial`, or no other trial would ever go.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;
  /** Times the breaker opened since start (a reopen after a failed trial counts). */
  opens = 0;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly clock: Clock,
    private readonly listener?: CircuitListener,
  ) {}

  /** Whether a request may go now; while half-open only the one that holds the trial may. */
  admit(): Admission {
    if (this.failures < this.options.failureThreshold) return admitted;
    const now = this.clock.now();
    if (now < this.openUntil) return { waitSeconds: Math.max(1, Math.ceil((this.openUntil - now) / 1000)), trial: false };
    if (this.trialInFlight) return trialBusy;
    this.trialInFlight = true;
    return trialAdmitted;
  }

  recordSuccess(): void {
    const wasOpen = this.isOpen;
    this.failures = 0;
    this.trialInFlight = false;
    if (wasOpen) this.listener?.closed();
  }

  recordFailure(): void {
    this.failures++;
    if (this.failures >= this.options.failureThreshold) {
      // Opening is the threshold reached, or a failed trial; failures while already open (answers
      // of requests sent before it opened) do not extend it.
      if (this.failures === this.options.failureThreshold || this.trialInFlight || this.clock.now() >= this.openUntil) {
        this.openUntil = this.clock.now() + this.options.openMs;
        this.opens++;
        this.listener?.opened(this.failures, this.options.openMs);
      }
      this.trialInFlight = false;
    }
  }

  /** Frees the trial slot when a trial request ended without telling anything about the upstream. */
  releaseTrial(): void {
    this.trialInFlight = false;
  }

  get state(): CircuitState {
    if (this.failures < this.options.failureThreshold) return 'closed';
    return this.clock.now() < this.openUntil ? 'open' : 'half-open';
  }

  get isOpen(): boolean {
    return this.failures >= this.options.failureThreshold;
  }
}
