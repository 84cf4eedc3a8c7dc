import { performance } from 'node:perf_hooks';

/** One command waiting for its answer. */
export interface Watched {
  /** Time credited to the store so far, in ms (never the time our own event loop was busy). */
  age: number;
  seen: number;
}

/**
 * Tells a store that does not answer from a gateway too busy to read the answer. A command's age grows
 * only by the time the event loop was free to read its reply: the check runs after the loop's I/O phase
 * (so a reply that has arrived is read first), and each check credits at most two tick lengths however
 * late it runs. A gateway lagging by seconds therefore takes longer to call a silent store stalled, and
 * never calls a healthy one stalled: its late answers are read and used.
 */
export class StallWatch {
  private readonly outstanding = new Set<Watched>();
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onStall: () => void,
  ) {
    this.tickMs = Math.max(5, Math.min(100, Math.floor(timeoutMs / 10)));
  }

  /** Starts watching one command; call `done` with the token when it is answered (or abandoned). */
  track(): Watched {
    const token: Watched = { age: 0, seen: performance.now() };
    this.outstanding.add(token);
    if (this.timer === undefined) this.timer = setInterval(() => setImmediate(() => this.check()), this.tickMs).unref();
    return token;
  }

  done(token: Watched): void {
    this.outstanding.delete(token);
    if (this.outstanding.size === 0) this.stop();
  }

  /** Forgets every command (the store was declared down; their answers no longer matter). */
  clear(): void {
    this.outstanding.clear();
    this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = performance.now();
    const cap = 2 * this.tickMs;
    let stalled = false;
    for (const token of this.outstanding) {
      token.age += Math.min(now - token.seen, cap);
      token.seen = now;
      if (token.age >= this.timeoutMs) stalled = true;
    }
    if (stalled) this.onStall();
  }
}
