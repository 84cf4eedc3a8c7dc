import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

/** How long a test waits for anything by default: long enough for a loaded machine, short of the test timeout. */
export const defaultWaitMs = 10_000;

export interface WaitOptions<T> {
  /** What the test waits for, named in the failure. */
  readonly what: string;
  /** Default `defaultWaitMs`. */
  readonly timeoutMs?: number;
  /** Whether the value read is the one waited for; default: any truthy value. */
  readonly until?: (value: T) => boolean;
  /** Default 20 ms. */
  readonly intervalMs?: number;
}

function describeValue(value: unknown): string {
  return inspect(value, { depth: 4, breakLength: Infinity });
}

/**
 * Reads `check` until its value is the one waited for and returns that value; fails after `timeoutMs`
 * naming what it waited for and the last value (or error) seen. Only for outside state that tells
 * nobody when it changes (a row in SQLite, a server coming back): anything that is an event is awaited.
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions<T>): Promise<T> {
  const { what, timeoutMs = defaultWaitMs, until = Boolean, intervalMs = 20 } = options;
  const deadline = performance.now() + timeoutMs;
  let last = 'none (never read)';
  for (;;) {
    try {
      const value = await check();
      if (until(value)) return value;
      last = describeValue(value);
    } catch (error) {
      last = `an error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (performance.now() >= deadline) throw new Error(`waited ${timeoutMs} ms for ${what}; the last value seen was ${last}`);
    await sleep(intervalMs);
  }
}

/** `promise`, or a failure naming `what` when it has not settled within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = defaultWaitMs): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
