import { describe, expect, it } from 'vitest';
import { Readiness, type ReadinessCheck } from './readiness.js';

/** A check whose answers the test decides; counts its probes. */
function check(name: string, answer: () => Promise<unknown>): ReadinessCheck & { probes: number } {
  const probe = { name, probes: 0, probe: () => (probe.probes++, answer()) };
  return probe;
}

describe('Readiness', () => {
  it('ready when every check answers; names each one that fails, rejects or overruns the deadline', async () => {
    const ok = check('accounts', () => Promise.resolve());
    const refused = check('rateLimits', () => Promise.reject(new Error('refused')));
    const silent = check('operations', () => new Promise(() => undefined));
    const throws = check('idempotency', () => {
      throw new Error('sync');
    });
    const readiness = new Readiness([ok, refused, silent, throws], 30, 0);
    // The silent check would hang this test without its 30 ms deadline.
    expect(await readiness.failedChecks()).toEqual(['rateLimits', 'operations', 'idempotency']);
    expect(await new Readiness([ok], 30, 0).failedChecks()).toEqual([]);
  });

  it('shares a check under way and reuses its result for cacheMs', async () => {
    let now = 0;
    let release: () => void = () => undefined;
    const slow = check('accounts', () => new Promise<void>((resolve) => (release = resolve)));
    const readiness = new Readiness([slow], 1000, 500, () => now);
    const together = [readiness.failedChecks(), readiness.failedChecks(), readiness.failedChecks()];
    release();
    expect(await Promise.all(together)).toEqual([[], [], []]);
    expect(slow.probes).toBe(1);
    now = 499;
    await readiness.failedChecks();
    expect(slow.probes).toBe(1);
    now = 500;
    const again = readiness.failedChecks();
    release();
    await again;
    expect(slow.probes).toBe(2);
  });

  it('shutting down shows at once, cached result or not, without a probe', async () => {
    const ok = check('accounts', () => Promise.resolve());
    const readiness = new Readiness([ok], 1000, 60_000);
    expect(await readiness.failedChecks()).toEqual([]);
    readiness.shuttingDown();
    expect(await readiness.failedChecks()).toEqual(['shutdown']);
    expect(ok.probes).toBe(1);
  });

  it('a reload that reconfigures it checks afresh', async () => {
    const first = check('accounts', () => Promise.resolve());
    const second = check('rateLimits', () => Promise.reject(new Error('down')));
    const readiness = new Readiness([first], 1000, 60_000);
    expect(await readiness.failedChecks()).toEqual([]);
    readiness.configure([second], 1000, 60_000);
    expect(await readiness.failedChecks()).toEqual(['rateLimits']);
  });

  it('a check still running when a reload reconfigures it answers its own callers only: never cached, never joined', async () => {
    let release: () => void = () => undefined;
    const old = check('accounts', () => new Promise<void>((_resolve, reject) => (release = () => reject(new Error('down')))));
    const fresh = check('rateLimits', () => Promise.resolve());
    const readiness = new Readiness([old], 1000, 60_000);
    const before = readiness.failedChecks();
    readiness.configure([fresh], 1000, 60_000);
    const after = readiness.failedChecks();
    release();
    expect(await before).toEqual(['accounts']);
    expect(await after).toEqual([]);
    expect(await readiness.failedChecks()).toEqual([]);
    expect(fresh.probes).toBe(1);
  });
});
