/** One store the config uses, as the readiness check sees it: a name (its config section) and a cheap round trip. */
export interface ReadinessCheck {
  /** Named after the config section that opens the store: `accounts`, `rateLimits`, `idempotency`, `operations`. */
  readonly name: string;
  /** Resolves when the store answers; rejects (or never settles) when it does not. */
  probe(): Promise<unknown>;
}

/**
 * Whether the gateway can serve (`/readyz`): not shutting down, and every store the config uses answers
 * a round trip within `timeoutMs`. Probes run in parallel; their result is kept for `cacheMs` and a
 * check under way is shared, so a probe storm costs at most one round trip per store per `cacheMs`.
 * Shutting down is seen at once: it is a flag, never cached.
 */
export class Readiness {
  private stopping = false;
  private cached: { readonly at: number; readonly failed: readonly string[] } | undefined;
  private running: Promise<readonly string[]> | undefined;
  /** Moves with every `configure`: a check started before it answers only its own callers. */
  private configured = 0;

  constructor(
    private checks: readonly ReadinessCheck[],
    private timeoutMs: number,
    private cacheMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A reloaded config's settings; the next probe checks afresh. */
  configure(checks: readonly ReadinessCheck[], timeoutMs: number, cacheMs: number): void {
    this.checks = checks;
    this.timeoutMs = timeoutMs;
    this.cacheMs = cacheMs;
    this.cached = undefined;
    // A check still running with the old list neither caches its answer nor is joined.
    this.configured++;
    this.running = undefined;
  }

  /** From the very start of a graceful shutdown, the gateway is not ready. */
  shuttingDown(): void {
    this.stopping = true;
  }

  /** The names of the checks that fail right now (empty: ready). */
  async failedChecks(): Promise<readonly string[]> {
    if (this.stopping) return ['shutdown'];
    const cached = this.cached;
    if (cached !== undefined && this.now() - cached.at < this.cacheMs) return cached.failed;
    let running = this.running;
    if (running === undefined) {
      running = this.run().finally(() => {
        if (this.running === running) this.running = undefined;
      });
      this.running = running;
    }
    const failed = await running;
    return this.stopping ? ['shutdown', ...failed] : failed;
  }

  private async run(): Promise<readonly string[]> {
    const { checks, configured } = this;
    const results = await Promise.all(checks.map((check) => this.answers(check)));
    const failed = checks.filter((_check, index) => results[index] !== true).map((check) => check.name);
    if (configured === this.configured) this.cached = { at: this.now(), failed };
    return failed;
  }

  /** True when the store answered within the deadline. */
  private answers(check: ReadinessCheck): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
    });
    let probe: Promise<boolean>;
    try {
      probe = check.probe().then(
        () => true,
        () => false,
      );
    } catch {
      probe = Promise.resolve(false);
    }
    return Promise.race([probe, deadline]).finally(() => clearTimeout(timer));
  }
}
