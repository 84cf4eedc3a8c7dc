import type { RateLimitState } from './rate-limit-state.js';

/**
 * A client-side limiter fed by the server's rate-limit headers: it remembers how many requests the
 * tightest limit has left and when it frees up, counts requests in flight against that, and holds
 * new requests until the reset once nothing is left. So a busy client slows down before the server
 * has to tell it with a 429. One pacer is shared by every client of the same base URL and key.
 */
export class Pacer {
  private remaining: number | undefined;
  private resetAt = 0;
  private quota: number | undefined;
  private windowMs = 1000;
  private inFlight = 0;

  /** Waits until a request may go; `now` and `sleep` come from the client's clock. */
  async acquire(now: () => number, sleep: (ms: number, signal?: AbortSignal) => Promise<void>, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.remaining === undefined) {
        // Nothing known yet: one request at a time until a response tells the limits.
        if (this.inFlight === 0) {
          this.inFlight++;
          return;
        }
        await sleep(probeWaitMs, signal);
        continue;
      }
      if (this.remaining - this.inFlight > 0) {
        this.inFlight++;
        return;
      }
      const wait = this.resetAt - now();
      if (wait > 0) {
        await sleep(wait, signal);
        continue;
      }
      // The window has turned: assume the policy's full quota (one request if unknown) until an answer says more.
      this.remaining = this.quota ?? 1;
      this.resetAt = now() + this.windowMs;
    }
  }

  /** Called when a paced request ends, with what its response said (if anything). */
  release(state: RateLimitState | undefined, nowMs: number): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (state?.remaining === undefined) {
      // No rate-limit headers: stop probing one by one and let requests through.
      this.remaining ??= Number.POSITIVE_INFINITY;
      return;
    }
    const resetAt = nowMs + (state.resetSeconds ?? 1) * 1000;
    // Answers can arrive out of order: within one window only a lower count is news.
    const newWindow = this.remaining === undefined || resetAt > this.resetAt + 500;
    if (!newWindow && state.remaining >= (this.remaining ?? 0)) return;
    this.remaining = state.remaining;
    this.resetAt = resetAt;
    const policy = state.policies.find((item) => item.name === state.name) ?? state.policies[0];
    if (policy !== undefined) {
      this.quota = policy.quota;
      if (policy.windowSeconds !== undefined) this.windowMs = policy.windowSeconds * 1000;
    }
  }
}

/** How often a request waiting for the first answer looks again. */
const probeWaitMs = 10;

const shared = new Map<string, Pacer>();

/** The pacer of one base URL and key, shared by every client in this process (or realm). */
export function sharedPacer(baseUrl: string, apiKey: string | undefined): Pacer {
  const id = `${baseUrl}\n${apiKey ?? ''}`;
  let pacer = shared.get(id);
  if (pacer === undefined) {
    pacer = new Pacer();
    shared.set(id, pacer);
  }
  return pacer;
}
