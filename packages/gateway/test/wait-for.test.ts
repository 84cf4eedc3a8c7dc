import { describe, expect, it } from 'vitest';
import { waitFor, within } from './helpers/wait-for.js';

describe('test helper waitFor', () => {
  it('waitFor: returns the first value that is the one waited for', async () => {
    let reads = 0;
    const value = await waitFor(() => ++reads, { what: 'three reads', until: (seen) => seen === 3, intervalMs: 1 });
    expect(value).toBe(3);
    expect(reads).toBe(3);
  });

  it('waitFor: fails naming what it waited for and the last value seen when that value never comes', async () => {
    let reads = 0;
    const waited = waitFor(() => ({ status: 'Pending', reads: ++reads }), { what: 'the operation Success', until: (seen) => seen.status === 'Success', timeoutMs: 50, intervalMs: 5 });
    await expect(waited).rejects.toThrow(/^waited 50 ms for the operation Success; the last value seen was \{ status: 'Pending', reads: \d+ \}$/);
  });

  it('waitFor: names the last error when every read throws', async () => {
    const waited = waitFor(
      () => {
        throw new Error('connection refused');
      },
      { what: 'a server', timeoutMs: 20, intervalMs: 5 },
    );
    await expect(waited).rejects.toThrow('waited 20 ms for a server; the last value seen was an error: connection refused');
  });

  it('within: passes the value through, and fails naming what it waited for when the promise never settles', async () => {
    expect(await within(Promise.resolve(7), 'seven')).toBe(7);
    await expect(within(new Promise(() => undefined), 'a log line', 20)).rejects.toThrow('waited 20 ms for a log line');
  });
});
